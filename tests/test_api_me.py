from django.urls import reverse


def test_me_with_a_key_names_the_partner_and_the_key(api_client, world):
    body = api_client.get(reverse("api:me")).json()
    assert body["kind"] == "api_key"
    assert body["partner"]["name"] == "Vendor P"
    assert body["api_key"]["public_id"] == world.key_p.public_id
    assert "user" not in body


def test_me_with_a_session_lists_the_persons_companies(client, world):
    client.force_login(world.owner_a)
    body = client.get(reverse("api:me")).json()
    assert body["kind"] == "user"
    assert body["user"]["email"] == "owner.a@example.com"
    assert [m["company"]["name"] for m in body["companies"]] == ["에이정밀"]
    assert body["companies"][0]["role"] == "owner"


def test_me_without_credentials_is_401_in_the_common_format(client, db):
    response = client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_unknown_api_paths_answer_json_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_openapi_schema_describes_the_partner_endpoints(client, db):
    response = client.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/me", "/api/v1/partner", "/api/v1/partner/keys"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    post = schema["paths"]["/api/v1/partner/keys"]["post"]
    assert "Idempotency-Key" in [p["name"] for p in post["parameters"]]


def test_a_partner_updates_its_contact_details_with_an_audit_entry(api_client, world):
    from onestop.models import AuditEntry

    response = api_client.patch(
        reverse("api:partner"), {"contact_email": "ops@vendor-p.example"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["contact_email"] == "ops@vendor-p.example"
    entry = AuditEntry.objects.get(action="partner.update")
    assert entry.actor_api_key == world.key_p
    assert entry.after["contact_email"] == "ops@vendor-p.example"
    assert entry.before["contact_email"] != entry.after["contact_email"]


def test_a_bad_email_is_a_field_error_and_changes_nothing(api_client, world):
    response = api_client.patch(reverse("api:partner"), {"contact_email": "nope"}, format="json")
    assert response.status_code == 400
    assert "contact_email" in response.json()["error"]["fields"]
    world.partner_p.refresh_from_db()
    assert world.partner_p.contact_email != "nope"


def test_an_overlong_email_is_a_field_error_not_a_crash(api_client, world):
    response = api_client.patch(
        reverse("api:partner"), {"contact_email": "a" * 300 + "@example.com"}, format="json"
    )
    assert response.status_code == 400
    assert "contact_email" in response.json()["error"]["fields"]
