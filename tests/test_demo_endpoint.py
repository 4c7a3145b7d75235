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


def test_endpoint_health_reads_the_demo_endpoint_after_some_calls(db, capsys):
    """As after `make run`: the demo model carries the profile of the rows it learnt from, so
    drift is measured from the first call."""
    import numpy as np

    from deployment.demo import demo_models
    from deployment.health import observe

    call_command("seed_demo")
    key = json.loads(settings.ONESTOP_DEMO_CREDENTIALS.read_text())["key"]
    learnt_from = demo_models()[0]["reference"]
    rows = learnt_from[np.random.default_rng(3).choice(len(learnt_from), 250, replace=False)]
    client = Client()
    for row in rows:
        body = {
            "inputs": [{"name": "input", "shape": [1, 8], "datatype": "FP32", "data": row.tolist()}]
        }
        answer = client.post(
            "/v2/models/demo-predictive-maintenance/infer",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert answer.status_code == 200
    observe.flush()  # what the server's metering thread does every few seconds
    capsys.readouterr()
    call_command("endpoint_health", "demo-predictive-maintenance", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["reference"]["source"] == "training"
    assert report["drift"]["rows"] == 250
    assert [i["name"] for i in report["drift"]["inputs"]] == [
        "Type",
        "Air temperature",
        "Process temperature",
        "Rotational speed",
        "Torque",
        "Tool wear",
    ]
    assert report["drift"]["overall"] < 0.1
    assert report["predictions_by_day"][0]["rows"] == 250
