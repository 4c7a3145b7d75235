from django.urls import reverse
from rest_framework.test import APIClient

from tests.diagnosis_factories import submitted_assessment


def test_a_partner_the_company_shared_with_reads_scores_and_roadmap(world, api_client):
    from diagnosis.models import DiagnosisShare

    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    assert api_client.get(reverse("diagnosis_api:assessments")).json()["count"] == 0
    DiagnosisShare.objects.create(company=world.company_a, partner=world.partner_p)
    listed = api_client.get(reverse("diagnosis_api:assessments")).json()
    assert [a["id"] for a in listed["results"]] == [mine.pk]
    body = api_client.get(reverse("diagnosis_api:assessment", args=[mine.pk])).json()
    assert body["overall"] == mine.result.overall
    assert {d["code"] for d in body["dimensions"]} == set(mine.result.dimensions)
    assert body["roadmap"] == sorted(body["roadmap"], key=lambda g: -g["priority"])
    assert body["level_name"]["ko"] != body["level_name"]["en"]
    assert len(body["use_cases"]) == 7


def test_an_unshared_partner_gets_404(world):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {world.raw_key_p}")
    response = api.get(reverse("diagnosis_api:assessment", args=[mine.pk]))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_owner_shares_and_stops_sharing_from_the_portal(world, owner_client, api_client):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    owner_client.post(reverse("diagnosis:share_grant"), {"partner": world.partner_p.pk})
    assert api_client.get(reverse("diagnosis_api:assessment", args=[mine.pk])).status_code == 200
    share = world.company_a.diagnosis_shares.get()
    owner_client.post(reverse("diagnosis:share_revoke", args=[share.pk]))
    assert api_client.get(reverse("diagnosis_api:assessment", args=[mine.pk])).status_code == 404


def test_sharing_with_a_malformed_partner_id_is_a_404(world, owner_client):
    for value in ("abc", "", "-1", "99999999999999999999999", "1.5"):
        response = owner_client.post(reverse("diagnosis:share_grant"), {"partner": value})
        assert response.status_code == 404, value
