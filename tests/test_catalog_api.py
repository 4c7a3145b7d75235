"""Vendors publish models through the API and read their validation; compute providers
register pools and send heartbeats."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from deployment.models import ComputePool, ModelVersion
from onestop.models import Partner
from tests import factories
from tests import onnx_files as files


@pytest.fixture
def vendor(world):
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {world.raw_key_p}")


def create_family(client, **extra):
    body = {
        "name": "Spindle failure predictor",
        "task": "binary",
        "use_cases": ["predictive_maintenance"],
        "industries": ["C29"],
        "description_ko": "주축 고장 예측",
        "domestic": True,
        **extra,
    }
    response = client.post(reverse("deployment_api:models"), body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def upload(client, family_id, path, version="1.0", **extra):
    with open(path, "rb") as f:
        handle = io.BytesIO(f.read())
    handle.name = path.name
    return client.post(
        reverse("deployment_api:model_versions", args=[family_id]),
        {"file": handle, "version": version, **extra},
        format="multipart",
    )


def test_a_vendor_publishes_a_model_that_passes_validation(
    vendor, tmp_path, django_capture_on_commit_callbacks
):
    family_id = create_family(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            vendor,
            family_id,
            files.good(tmp_path / "m.onnx"),
            claimed_metrics='{"roc_auc": 0.91}',
            input_columns='[{"name": "torque", "type": "number", "unit": "Nm"}]',
        )
    assert response.status_code == 202
    version = ModelVersion.objects.get()
    assert version.state == "published"
    shown = vendor.get(reverse("deployment_api:model_version", args=[family_id, version.pk])).json()
    assert shown["state"] == "published"
    assert shown["claimed_metrics"] == {"roc_auc": 0.91}
    assert shown["input_columns"][0]["unit"] == "Nm"
    assert "furiosa-rngd" in shown["flavors"]
    assert shown["latency_ms"]["batch_1"] > 0
    assert version.artifact_path.read_bytes() == (tmp_path / "m.onnx").read_bytes()


def test_a_hostile_upload_is_rejected_with_its_reason(
    vendor, tmp_path, django_capture_on_commit_callbacks
):
    family_id = create_family(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        upload(vendor, family_id, files.external_data(tmp_path / "x.onnx", "../../secret"))
    version = ModelVersion.objects.get()
    assert version.state == "rejected"
    assert "../../secret" in version.reason
    detail = vendor.get(reverse("deployment_api:model", args=[family_id])).json()
    assert detail["versions"][0]["reason"] == version.reason


def test_a_model_over_the_size_limit_is_refused(vendor, tmp_path, settings):
    settings.ONESTOP_MAX_MODEL_BYTES = 100
    family_id = create_family(vendor)
    response = upload(vendor, family_id, files.good(tmp_path / "m.onnx", features=64))
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
    assert not ModelVersion.objects.exists()


def test_bad_version_fields_are_explained(vendor, tmp_path):
    family_id = create_family(vendor)
    response = upload(
        vendor, family_id, files.good(tmp_path / "m.onnx"), version="1 0", claimed_metrics="{oops"
    )
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400
    assert set(fields) == {"version", "claimed_metrics"}


def test_a_version_string_is_used_once(vendor, tmp_path, django_capture_on_commit_callbacks):
    family_id = create_family(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(vendor, family_id, files.good(tmp_path / "a.onnx")).status_code == 202
    response = upload(vendor, family_id, files.good(tmp_path / "b.onnx", features=3))
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


def test_an_upload_retried_with_its_idempotency_key_is_replayed(
    vendor, tmp_path, django_capture_on_commit_callbacks
):
    family_id = create_family(vendor)
    path = files.good(tmp_path / "m.onnx")
    vendor.credentials(HTTP_IDEMPOTENCY_KEY="up-1")
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(vendor, family_id, path)
    again = upload(vendor, family_id, path)
    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = upload(vendor, family_id, files.good(tmp_path / "n.onnx", features=5))
    assert other.status_code == 422
    assert ModelVersion.objects.count() == 1


def test_vendors_see_only_their_own_models(vendor, world):
    family_id = create_family(vendor)
    other = APIClient()
    other.force_authenticate(user=None)
    _key, raw = factories.make_api_key(world.partner_q, "q ops")
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert other.get(reverse("deployment_api:model", args=[family_id])).status_code == 404
    assert other.get(reverse("deployment_api:models")).json()["results"] == []


def test_only_model_vendors_publish_and_only_providers_register_pools(vendor, provider):
    assert (
        provider.post(
            reverse("deployment_api:models"), {"name": "x", "task": "binary"}, format="json"
        ).status_code
        == 403
    )
    pool = {
        "name": "p",
        "flavor": "cpu",
        "capacity_units": 4,
        "price_per_unit_hour": 500,
        "region": "daejeon",
    }
    assert vendor.post(reverse("deployment_api:pools"), pool, format="json").status_code == 403


def test_a_provider_registers_a_pool_and_keeps_it_available_with_heartbeats(provider):
    body = {
        "name": "대전 NPU 추론",
        "flavor": "rbln-atom",
        "purpose": "inference",
        "capacity_units": 16,
        "h100_factor": "0.4",
        "price_per_unit_hour": 900,
        "region": "daejeon",
        "runtime": "RBLN SDK",
    }
    response = provider.post(reverse("deployment_api:pools"), body, format="json")
    assert response.status_code == 201, response.json()
    pool = response.json()
    assert (pool["kind"], pool["domestic"], pool["available"]) == ("npu", True, False)
    assert pool["emulated"] is True  # no Rebellions runtime on this server: CPU stands in
    beat = reverse("deployment_api:pool_heartbeat", args=[pool["id"]])
    assert (
        provider.post(beat, {"free_units": 20, "utilisation": 0.5}, format="json").status_code
        == 400
    )
    shown = provider.post(beat, {"free_units": 10, "utilisation": 0.375}, format="json").json()
    assert shown["available"] is True
    assert shown["heartbeat"]["free_units"] == 10
    ComputePool.objects.filter(pk=pool["id"]).update(
        last_heartbeat=timezone.now() - timedelta(minutes=6)
    )
    assert (
        provider.get(reverse("deployment_api:pool", args=[pool["id"]])).json()["available"] is False
    )
    changed = provider.patch(
        reverse("deployment_api:pool", args=[pool["id"]]),
        {"price_per_unit_hour": 800},
        format="json",
    )
    assert changed.json()["price_per_unit_hour"] == "800"


def test_pool_fields_are_validated(provider):
    body = {
        "name": "x",
        "flavor": "tpu-v9",
        "capacity_units": 0,
        "price_per_unit_hour": -1,
        "region": "mars",
    }
    response = provider.post(reverse("deployment_api:pools"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "flavor",
        "capacity_units",
        "price_per_unit_hour",
        "region",
    }


def test_a_name_is_used_once_per_vendor_and_once_per_provider(vendor, provider, world):
    """The models' unique-name constraints answer the partner in words, on the name field."""
    create_family(vendor)
    again = vendor.post(
        reverse("deployment_api:models"),
        {"name": "Spindle failure predictor", "task": "binary"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"name": ["You already have a model with this name."]}
    pool = {
        "name": "대전 CPU",
        "flavor": "cpu",
        "capacity_units": 4,
        "price_per_unit_hour": 500,
        "region": "daejeon",
    }
    pools = reverse("deployment_api:pools")
    assert provider.post(pools, pool, format="json").status_code == 201
    again = provider.post(pools, pool, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"name": ["You already have a pool with this name."]}
    assert ComputePool.objects.filter(name="대전 CPU").count() == 1
    # Another provider may give its pool the same name.
    other = factories.make_partner(name="Cloud J", kind=Partner.Kind.COMPUTE_PROVIDER)
    _key, raw = factories.make_api_key(other, "ops")
    theirs = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert theirs.post(pools, pool, format="json").status_code == 201
