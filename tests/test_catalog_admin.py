"""Officers add models through the admin (validated like a vendor's upload); consultants see
public models and private ones of their own companies only."""

import io

from django.test import Client
from django.urls import reverse

from deployment.models import ModelVersion
from tests import deployment_factories as make
from tests import onnx_files as files


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_officer_uploads_a_model_in_the_admin(
    world, tmp_path, django_capture_on_commit_callbacks
):
    family = make.family(world.partner_p, name="Press vibration")
    with open(files.good(tmp_path / "m.onnx"), "rb") as f:
        artifact = io.BytesIO(f.read())
    artifact.name = "m.onnx"
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(world.officer).post(
            reverse("admin:deployment_modelversion_add"),
            {
                "family": family.pk,
                "version": "2.0",
                "artifact": artifact,
                "claimed_metrics": "{}",
                "input_columns": "[]",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    version = ModelVersion.objects.get(family=family)
    assert version.state == "published"
    assert version.origin == "admin"
    assert version.uploaded_by == world.officer


def test_consultants_do_not_see_other_companies_private_models(world):
    make.family(company=world.company_a, name="A own model")
    make.family(company=world.company_b, name="B own model")
    make.family(world.partner_p, name="Public model")
    page = (
        signed_in(world.consultant_a)
        .get(reverse("admin:deployment_modelfamily_changelist"))
        .content.decode()
    )
    assert "A own model" in page
    assert "Public model" in page
    assert "B own model" not in page
