"""A company's own models are named after its files ("라인3 불량 이력.xlsx · 불량"): the partner
matches API shows partners a neutral name, and the company and its desk their own."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from diagnosis.models import DiagnosisShare
from tests import deployment_factories as make

PRIVATE_NAME = "라인3 불량 이력 (대외비).xlsx · 불량"


@pytest.fixture
def own_model(world):
    family = make.family(
        company=world.company_a, name=PRIVATE_NAME, use_cases=["predictive_maintenance"]
    )
    version = make.version(family, version="study-7", flavors=["cpu"])
    vendor = make.family(world.partner_q, name="Spindle watch", use_cases=["anomaly_detection"])
    make.version(vendor, flavors=["cpu"])
    make.pool(flavor="cpu", name="CPU pool")
    DiagnosisShare.objects.create(company=world.company_a, partner=world.partner_p)
    return version


def matches(client, world):
    response = client.get(
        reverse("diagnosis_api:company_matches", args=[world.company_a.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    return response.json()


def model_names(body):
    return {r["model"]["version_id"]: r["model"]["name"] for r in body["results"]}


def test_a_partner_s_key_reads_a_neutral_name_for_the_company_s_own_model(
    world, own_model, api_client
):
    body = matches(api_client, world)
    assert PRIVATE_NAME not in json.dumps(body, ensure_ascii=False)
    assert "대외비" not in json.dumps(body, ensure_ascii=False)
    names = model_names(body)
    assert names[own_model.pk] == "The company's own model (study-7)"
    mine = next(r["model"] for r in body["results"] if r["model"]["version_id"] == own_model.pk)
    assert mine["own_model"] is True
    assert "Spindle watch" in names.values()  # a vendor's public model keeps its name


def test_a_partner_s_member_signed_in_reads_the_neutral_name_too(world, own_model):
    api = APIClient()
    api.force_login(world.partner_user)
    assert model_names(matches(api, world))[own_model.pk] == "The company's own model (study-7)"


@pytest.mark.parametrize("who", ["owner_a", "member_a", "consultant_a"])
def test_the_company_and_its_desk_read_its_own_names(world, own_model, who):
    api = APIClient()
    api.force_login(getattr(world, who))
    assert model_names(matches(api, world))[own_model.pk] == PRIVATE_NAME
