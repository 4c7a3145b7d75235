import json

from django.urls import reverse

from onestop.models import ApiKey, IdempotencyRecord, PartnerMembership
from tests import factories


def post_key(api, name, key, **extra):
    return api.post(
        reverse("api:partner_keys"),
        data=json.dumps({"name": name}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **extra,
    )


def test_a_repeated_key_with_the_same_body_replays_the_first_response(partner_owner_api, world):
    first = post_key(partner_owner_api, "deploy bot", "k-123")
    second = post_key(partner_owner_api, "deploy bot", "k-123")
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    # Acted once: one key was created; the replay describes it without the secret, which
    # exists only in the first response and is never stored.
    assert ApiKey.objects.filter(name="deploy bot").count() == 1
    assert first.json()["key"].startswith("os_")
    assert "key" not in second.json()
    assert {k: v for k, v in first.json().items() if k != "key"} == second.json()
    stored = IdempotencyRecord.objects.get(key="k-123").response_body
    assert first.json()["key"] not in str(stored)


def test_the_same_key_with_a_different_body_is_a_422(partner_owner_api, world):
    post_key(partner_owner_api, "deploy bot", "k-123")
    response = post_key(partner_owner_api, "another name", "k-123")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not ApiKey.objects.filter(name="another name").exists()


def test_without_a_key_every_post_acts(partner_owner_api, world):
    for _ in range(2):
        partner_owner_api.post(reverse("api:partner_keys"), {"name": "twice"}, format="json")
    assert ApiKey.objects.filter(name="twice").count() == 2


def test_keys_are_scoped_to_the_credential(partner_owner_api, world, client):
    post_key(partner_owner_api, "from the owner", "shared-key")
    second_owner = factories.make_user()
    PartnerMembership.objects.create(partner=world.partner_p, user=second_owner, role="owner")
    client.force_login(second_owner)
    response = client.post(
        reverse("api:partner_keys"),
        data=json.dumps({"name": "from a person"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert response.status_code == 201
    assert response.json()["name"] == "from a person"


def test_a_failed_validation_is_replayed_too(partner_owner_api, world):
    first = partner_owner_api.post(
        reverse("api:partner_keys"),
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-bad",
    )
    second = partner_owner_api.post(
        reverse("api:partner_keys"),
        data="{}",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-bad",
    )
    assert first.status_code == second.status_code == 400
    assert second["Idempotent-Replayed"] == "true"


def test_a_request_still_in_flight_gets_409(partner_owner_api, world):
    post_key(partner_owner_api, "slow", "k-busy")
    # Simulate the first request still running: its response is not stored yet.
    IdempotencyRecord.objects.filter(key="k-busy").update(status_code=None, response_body=None)
    response = post_key(partner_owner_api, "slow", "k-busy")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"


def test_an_overlong_key_is_refused(partner_owner_api, world):
    response = post_key(partner_owner_api, "x", "k" * 300)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
