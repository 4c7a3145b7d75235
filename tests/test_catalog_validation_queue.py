"""A model vendor can have a few versions waiting for validation at once; the next upload is
answered "later" (429) with a reason until one of them is published or rejected, so one
vendor's flood cannot hold every validation worker."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from deployment.models import ModelVersion
from deployment.services import catalog
from onestop.models import Partner
from tests import deployment_factories as make
from tests import factories
from tests import onnx_files as files


@pytest.fixture
def vendor(world):
    # In English, so the messages below read the same once the Korean catalogue has them.
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {world.raw_key_p}", HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def model_file(tmp_path):
    return files.good(tmp_path / "m.onnx").read_bytes()


def upload(client, family_id, content, version, **headers):
    handle = io.BytesIO(content)
    handle.name = "m.onnx"
    return client.post(
        reverse("deployment_api:model_versions", args=[family_id]),
        {"file": handle, "version": version},
        format="multipart",
        **headers,
    )


def test_the_fourth_waiting_upload_is_refused_until_one_is_validated(world, vendor, model_file):
    family = make.family(world.partner_p, name="Spindle failure predictor")
    # The test's transaction never commits, so queued validations wait: as behind a busy worker.
    for n in range(3):
        assert upload(vendor, family.pk, model_file, f"1.{n}").status_code == 202
    refused = upload(vendor, family.pk, model_file, "1.3")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "validation_queue_full"
    assert "3 of your model versions are still waiting for validation" in error["message"]
    assert ModelVersion.objects.filter(family=family).count() == 3
    # One is validated (published here): the vendor may upload the next.
    catalog.version_validate(ModelVersion.objects.filter(family=family).first().pk)
    assert upload(vendor, family.pk, model_file, "1.3").status_code == 202


def test_the_cap_is_per_vendor_and_a_setting(world, vendor, model_file, settings):
    settings.ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER = 1
    ours = make.family(world.partner_p, name="Ours")
    assert upload(vendor, ours.pk, model_file, "1.0").status_code == 202
    assert upload(vendor, ours.pk, model_file, "1.1").status_code == 429
    other = factories.make_partner(name="Vision K", kind=Partner.Kind.MODEL_VENDOR)
    _key, raw = factories.make_api_key(other)
    theirs = make.family(other, name="Theirs")
    other_client = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert upload(other_client, theirs.pk, model_file, "1.0").status_code == 202


def test_a_refused_upload_can_be_retried_with_the_same_idempotency_key(
    world, vendor, model_file, settings
):
    settings.ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER = 1
    family = make.family(world.partner_p, name="Spindle failure predictor")
    assert upload(vendor, family.pk, model_file, "1.0").status_code == 202
    key = {"HTTP_IDEMPOTENCY_KEY": "upload-1.1"}
    assert upload(vendor, family.pk, model_file, "1.1", **key).status_code == 429
    catalog.version_validate(ModelVersion.objects.get(family=family).pk)
    retried = upload(vendor, family.pk, model_file, "1.1", **key)
    assert retried.status_code == 202  # processed, not the 429 replayed
    assert "Idempotent-Replayed" not in retried


def test_the_admin_upload_for_a_vendor_counts_against_its_queue(
    world, vendor, model_file, settings
):
    settings.ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER = 1
    family = make.family(world.partner_p, name="Press vibration")
    assert upload(vendor, family.pk, model_file, "1.0").status_code == 202
    officer = Client(HTTP_ACCEPT_LANGUAGE="en")
    officer.force_login(world.officer)
    artifact = io.BytesIO(model_file)
    artifact.name = "m.onnx"
    response = officer.post(
        reverse("admin:deployment_modelversion_add"),
        {
            "family": family.pk,
            "version": "2.0",
            "artifact": artifact,
            "claimed_metrics": "{}",
            "input_columns": "[]",
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "still waiting for validation" in response.content.decode()
    assert ModelVersion.objects.filter(family=family).count() == 1
