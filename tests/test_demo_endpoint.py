"""`seed_demo` leaves the demo endpoint ready, and the key it writes calls it at once."""

import json
import stat

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from deployment.models import Endpoint
from deployment.serving.sessions import clear


@pytest.fixture(autouse=True)
def _debug_on(settings):
    settings.DEBUG = True  # the development setting seed_demo is meant for
    clear()
    yield
    clear()


def test_the_demo_endpoint_is_ready_and_its_key_answers(db):
    call_command("seed_demo")
    endpoint = Endpoint.objects.get(name="demo-predictive-maintenance")
    assert endpoint.state == "ready", endpoint.reason
    assert endpoint.company.name == "한빛정밀"
    assert endpoint.replicas.filter(state="running").count() == 1
    credentials_file = settings.ONESTOP_DEMO_CREDENTIALS
    assert stat.S_IMODE(credentials_file.stat().st_mode) == 0o600
    credentials = json.loads(credentials_file.read_text())
    headers = {"HTTP_AUTHORIZATION": f"Bearer {credentials['key']}"}
    client = Client()
    metadata = client.get("/v2/models/demo-predictive-maintenance", **headers).json()
    assert metadata["inputs"] == [{"name": "input", "datatype": "FP32", "shape": [-1, 8]}]
    assert {o["name"] for o in metadata["outputs"]} == {"label", "probabilities"}
    # The example in the file, as a newcomer would send it.
    body = credentials["curl"].split("-d '", 1)[1].rstrip("'")
    answer = client.post(
        "/v2/models/demo-predictive-maintenance/infer",
        data=body,
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 200, answer.content
    outputs = {o["name"]: o for o in answer.json()["outputs"]}
    assert outputs["label"]["data"][0] in (0, 1)
    assert sum(outputs["probabilities"]["data"]) == pytest.approx(1, abs=1e-5)

    # Running the seed again keeps the endpoint and the key.
    call_command("seed_demo")
    assert Endpoint.objects.filter(name="demo-predictive-maintenance").count() == 1
    assert json.loads(credentials_file.read_text())["key"] == credentials["key"]


def test_no_credentials_file_without_debug(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", force=True)
    assert Endpoint.objects.get(name="demo-predictive-maintenance").state == "ready"
    assert not settings.ONESTOP_DEMO_CREDENTIALS.exists()
