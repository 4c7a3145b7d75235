from django.urls import reverse


def test_a_key_past_its_rate_gets_429_with_retry_after(api_client, settings):
    settings.API_THROTTLE_RATE = "3/hour"  # an hour: a jump of the clock cannot empty it
    statuses = [api_client.get(reverse("api:me")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api_client.get(reverse("api:me"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()["error"]
    assert body["code"] == "throttled"
    assert body["retry_after"] > 0


def test_each_key_has_its_own_bucket(api_client, world, settings):
    from rest_framework.test import APIClient

    from tests.factories import make_api_key

    settings.API_THROTTLE_RATE = "2/hour"
    for _ in range(2):
        api_client.get(reverse("api:me"))
    assert api_client.get(reverse("api:me")).status_code == 429
    _, other_raw = make_api_key(world.partner_q)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert other.get(reverse("api:me")).status_code == 200
