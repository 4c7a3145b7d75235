import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from onestop.models import ApiKey, AuditEntry


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_new_key_is_shown_once_and_stored_only_as_an_hmac(world, client):
    client.force_login(world.partner_user)
    created = client.post(reverse("partner_key_create"), {"name": "CI upload"})
    response = client.get(created["Location"])
    raw = response.context["raw_key"]
    assert raw.startswith("os_")
    assert raw in response.content.decode()
    key = ApiKey.objects.get(name="CI upload")
    _public_id, secret = ApiKey.split(raw)
    assert secret not in key.secret_hash
    assert key.matches(secret)
    assert len(key.secret_hash) == 64
    # The list page shows the prefix only, never the secret.
    listing = client.get(reverse("partner_home")).content.decode()
    assert key.display_prefix in listing
    assert raw not in listing
    # Reloading the page that showed it neither shows it again nor makes another key.
    again = client.get(created["Location"]).content.decode()
    assert raw not in again
    assert key.display_prefix in again
    assert ApiKey.objects.filter(name="CI upload").count() == 1


def test_a_key_authenticates_and_records_when_it_was_used(world):
    assert world.key_p.last_used_at is None
    response = bearer(world.raw_key_p).get(reverse("api:partner"))
    assert response.status_code == 200
    assert response.json()["name"] == "Vendor P"
    world.key_p.refresh_from_db()
    assert world.key_p.last_used_at is not None


@pytest.mark.parametrize(
    "presented",
    [
        "os_000000000000_wrongsecret",
        "definitely-not-a-key",
        "os_",
        "os__",
    ],
)
def test_a_wrong_key_gets_401_with_a_clear_message(world, presented):
    response = bearer(presented).get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_right_id_with_a_wrong_secret_is_refused(world):
    public_id = world.key_p.public_id
    response = bearer(f"os_{public_id}_guessed-secret").get(reverse("api:me"))
    assert response.status_code == 401


def test_a_revoked_key_gets_401_at_once(world, client):
    api = bearer(world.raw_key_p)
    assert api.get(reverse("api:me")).status_code == 200
    client.force_login(world.partner_user)
    client.post(reverse("partner_key_revoke", args=[world.key_p.pk]))
    response = api.get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == ("This API key is not valid or has been revoked.")
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert entry.actor == world.partner_user
    assert entry.before["revoked_at"] is None
    assert entry.after["revoked_at"] is not None
    assert entry.after["secret_hash"] == "<redacted>"


def test_an_owner_creates_and_revokes_a_key_through_the_api(world, partner_owner_api):
    created = partner_owner_api.post(
        reverse("api:partner_keys"), {"name": "rotation"}, format="json"
    )
    assert created.status_code == 201
    new_raw = created.json()["key"]
    assert bearer(new_raw).get(reverse("api:me")).status_code == 200
    listed = partner_owner_api.get(reverse("api:partner_keys")).json()
    assert listed["count"] == 3
    assert all("key" not in item for item in listed["results"])
    public_id = created.json()["public_id"]
    revoked = partner_owner_api.post(reverse("api:partner_key_revoke", args=[public_id]))
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    assert bearer(new_raw).get(reverse("api:me")).status_code == 401
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert entry.actor == world.partner_user
    assert entry.partner == world.partner_p


def test_a_key_cannot_mint_or_revoke_keys(world):
    """A leaked key must not outlive its revocation by creating successors."""
    api = bearer(world.raw_key_p)
    assert api.post(reverse("api:partner_keys"), {"name": "x"}, format="json").status_code == 403
    revoke = api.post(reverse("api:partner_key_revoke", args=[world.key_p2.public_id]))
    assert revoke.status_code == 403
    world.key_p2.refresh_from_db()
    assert world.key_p2.is_active


def test_a_partner_member_who_is_not_an_owner_cannot_manage_keys(world):
    api = APIClient()
    api.force_login(world.partner_member)
    assert api.get(reverse("api:partner_keys")).status_code == 200
    assert api.post(reverse("api:partner_keys"), {"name": "x"}, format="json").status_code == 403
    revoke = api.post(reverse("api:partner_key_revoke", args=[world.key_p.public_id]))
    assert revoke.status_code == 403
    patch = api.patch(reverse("api:partner"), {"website": "https://x.example"}, format="json")
    assert patch.status_code == 403


def test_a_partner_cannot_revoke_another_partners_key(world, partner_owner_api):
    response = partner_owner_api.post(
        reverse("api:partner_key_revoke", args=[world.key_q.public_id]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Not found."}
    world.key_q.refresh_from_db()
    assert world.key_q.is_active


def test_invalid_input_gets_the_common_error_format(world, partner_owner_api):
    response = partner_owner_api.post(reverse("api:partner_keys"), {}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert "name" in body["fields"]


def test_key_list_is_paginated(world, partner_owner_api):
    api = bearer(world.raw_key_p)
    for n in range(3):
        partner_owner_api.post(reverse("api:partner_keys"), {"name": f"k{n}"}, format="json")
    page = api.get(reverse("api:partner_keys"), {"page_size": 2}).json()
    assert page["count"] == 5
    assert len(page["results"]) == 2
    assert page["next"]


def test_a_new_key_not_shown_within_two_minutes_is_dropped_from_the_session(world, client):
    """A tab closed before the redirect landed must not leave a live key in the session."""
    from onestop import shown_once

    client.force_login(world.partner_user)
    created = client.post(reverse("partner_key_create"), {"name": "lost tab"})
    session = client.session
    session[shown_once.SLOT]["at"] -= shown_once.LIFETIME_SECONDS + 1
    session.save()
    page = client.get(created["Location"])
    assert page.context["raw_key"] is None
    assert shown_once.SLOT not in client.session
    assert page["Cache-Control"].startswith("max-age=0")
