"""Model health: requests are compared with the data the model learnt from (PSI per input, from
hourly sketches, never rows), alerts are raised once, labels reported later by request id give
live accuracy, and the owner reads it all on the endpoint's health page."""

import json

import numpy as np
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from deployment.demo import AI4I_INPUTS, ai4i_like, neural
from deployment.health import observe
from deployment.health.alerts import health_check
from deployment.health.reference import build_profile
from deployment.health.summary import endpoint_health
from deployment.models import (
    Endpoint,
    EndpointKey,
    EndpointSketch,
    HealthAlert,
    PredictionRecord,
)
from deployment.serving.sessions import clear
from onestop.models import Notification
from tests.serving_factories import published

AIR, TORQUE = 3, 6  # positions in the AI4I input row


@pytest.fixture(scope="module")
def trained():
    """A real failure model trained on AI4I-like rows, and those rows."""
    X, y = ai4i_like(3000, np.random.default_rng(11))
    onnx_bytes, metrics = neural(X, y, classifier=True, hidden=(16,))
    return X, y, onnx_bytes, metrics


@pytest.fixture
def watched(world, tmp_path, trained):
    clear()
    X, _y, onnx_bytes, metrics = trained
    path = tmp_path / "failure.onnx"
    path.write_bytes(onnx_bytes)
    version = published(world.company_a, path, name="failure model")
    version.input_columns = AI4I_INPUTS
    version.claimed_metrics = metrics
    version.reference = build_profile(X, AI4I_INPUTS, source="training")
    version.save()
    endpoint = Endpoint.objects.create(
        company=world.company_a, name="line-1-failures", version=version, state="ready"
    )
    _key, raw = EndpointKey.issue(endpoint)
    yield endpoint, raw
    clear()


def infer(client, raw, rows, request_id=None, name="line-1-failures"):
    body = {
        "inputs": [
            {
                "name": "input",
                "shape": list(rows.shape),
                "datatype": "FP32",
                "data": rows.ravel().tolist(),
            }
        ]
    }
    if request_id is not None:
        body["id"] = request_id
    response = client.post(
        f"/v2/models/{name}/infer",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content
    return response.json()


def send(raw, X, per_request=2):
    client = Client()
    for start in range(0, len(X), per_request):
        infer(client, raw, X[start : start + per_request])
    observe.flush()


def drawn(X, rows, seed):
    """Rows drawn from the training data."""
    return X[np.random.default_rng(seed).choice(len(X), rows, replace=False)].copy()


def test_drift_stays_low_on_training_like_requests_and_crosses_on_the_shifted_inputs(
    watched, trained, django_capture_on_commit_callbacks
):
    endpoint, raw = watched
    X = trained[0]
    send(raw, drawn(X, 600, 12))
    assert health_check(endpoint) == []
    calm = endpoint_health(endpoint, days=1)["drift"]
    assert calm["rows"] == 600
    assert all(item["psi"] < 0.1 for item in calm["inputs"]), calm["inputs"]
    assert calm["overall"] < 0.1

    shifted = drawn(X, 600, 13)
    shifted[:, AIR] += 6  # a warmer hall
    shifted[:, TORQUE] += 15  # a heavier load
    send(raw, shifted)
    with django_capture_on_commit_callbacks(execute=True):
        raised = health_check(endpoint)
    assert len(raised) == 1
    assert raised[0].kind == HealthAlert.Kind.DRIFT
    assert sorted(raised[0].inputs) == ["Air temperature", "Torque"]
    report = endpoint_health(endpoint, days=1)["drift"]
    by_name = {item["name"]: item for item in report["inputs"]}
    assert by_name["Torque"]["psi"] >= 0.25
    assert by_name["Torque"]["level"] == "shifted"
    assert by_name["Air temperature"]["psi"] >= 0.25
    for name in ("Type", "Process temperature", "Rotational speed", "Tool wear"):
        assert by_name[name]["psi"] < 0.1, (name, by_name[name])

    # More shifted traffic: the alert is already open, so nobody hears of it twice.
    send(raw, shifted[:300])
    assert health_check(endpoint) == []
    assert HealthAlert.objects.filter(endpoint=endpoint).count() == 1
    notices = Notification.objects.filter(kind=Notification.Kind.MODEL_HEALTH)
    assert notices.count() == 1
    assert "line-1-failures" in notices.get().subject
    assert len([m for m in mail.outbox if "line-1-failures" in m.subject]) == 1

    # No row of any request was stored: only counts per bin.
    assert not PredictionRecord.objects.exists()
    sketch = EndpointSketch.objects.get(endpoint=endpoint)
    assert sketch.rows == 1500
    assert len(sketch.inputs) == 6


def test_labels_reported_later_give_the_accuracy_computed_by_hand(world, watched, trained):
    endpoint, raw = watched
    X, y = ai4i_like(1000, np.random.default_rng(14))
    client = Client()
    predicted, scores = [], []
    for index in range(len(X)):
        answer = infer(client, raw, X[index : index + 1], request_id=f"part-{index}")
        outputs = {o["name"]: o["data"] for o in answer["outputs"]}
        predicted.append(int(outputs["label"][0]))
        scores.append(outputs["probabilities"][1])
    truth = y.copy()
    truth[::10] = 1 - truth[::10]  # every tenth part the model could not know about
    feedback = [{"id": f"part-{i}", "label": int(label)} for i, label in enumerate(truth)]
    api = Client()

    def post(items, key=raw, name="line-1-failures"):
        return api.post(
            f"/api/v1/endpoints/{name}/feedback",
            data=json.dumps(items),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    # Refused: no key, another endpoint's key, an unknown id (and then nothing of the batch).
    other = Endpoint.objects.create(
        company=world.company_b, name="other-line", version=endpoint.version, state="ready"
    )
    _k, other_raw = EndpointKey.issue(other)
    assert post(feedback[:5], key="").status_code == 401
    refused = post(feedback[:5], key=other_raw)
    assert refused.status_code == 404
    assert "unknown model" in refused.json()["error"]["message"]
    unknown = post([*feedback[:3], {"id": "never-sent", "label": 1}])
    assert unknown.status_code == 422
    assert unknown.json()["error"]["unknown_ids"] == ["never-sent"]
    assert post({"id": "never-sent", "label": 0}).status_code == 404
    assert post([{"id": "part-1", "label": [1]}]).status_code == 400
    assert not PredictionRecord.objects.filter(labelled_at__isnull=False).exists()

    assert post(feedback[:500]).json() == {"recorded": 500}
    assert post(feedback[500:]).json() == {"recorded": 500}

    by_hand = float(np.mean(np.array(predicted) == truth))
    accuracy = endpoint_health(endpoint, days=1)["accuracy"]
    assert accuracy["labelled"] == 1000
    assert accuracy["share_right"] == round(by_hand, 4)
    from sklearn.metrics import roc_auc_score

    assert accuracy["metric"] == "roc_auc"
    assert accuracy["value"] == round(roc_auc_score(truth, scores), 4)
    assert accuracy["by_day"][0]["labelled"] == 1000


def test_the_owner_uploads_labels_and_reads_the_health_page(world, watched, owner_client):
    endpoint, raw = watched
    X, _y = ai4i_like(250, np.random.default_rng(15))
    client = Client()
    for index in range(len(X)):
        infer(client, raw, X[index : index + 1], request_id=f"r{index}")
    observe.flush()
    lines = ["id,label"] + [f"r{i},0" for i in range(200)]
    upload = owner_client.post(
        f"/endpoints/{endpoint.pk}/health/labels/",
        {"file": _csv("labels.csv", "\n".join(lines))},
        follow=True,
    )
    assert "실제 결과 200건을 기록했습니다" in upload.content.decode()
    assert PredictionRecord.objects.filter(labelled_at__isnull=False).count() == 200
    bad = owner_client.post(
        f"/endpoints/{endpoint.pk}/health/labels/",
        {"file": _csv("labels.csv", "order,label\nr1,0\n")},
        follow=True,
    )
    assert "첫 줄에 열 이름 id, label가 있어야 합니다" in bad.content.decode()

    page = owner_client.get(f"/endpoints/{endpoint.pk}/health/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="chart-drift-inputs"' in html
    assert "Torque" in html
    assert 'data-testid="accuracy-labelled">200<' in html
    assert 'data-testid="chart-predictions"' in html

    saved = owner_client.post(
        f"/endpoints/{endpoint.pk}/health/settings/",
        {"drift_threshold": "0.3", "accuracy_floor": "0.9", "keep_rows": "on"},
    )
    assert saved.status_code == 302
    endpoint.health_watch.refresh_from_db()
    assert endpoint.health_watch.drift_threshold == 0.3
    assert endpoint.health_watch.keep_rows
    refused = owner_client.post(
        f"/endpoints/{endpoint.pk}/health/settings/", {"drift_threshold": "0"}, follow=True
    )
    assert "0.05" in refused.content.decode()
    # Opted in: the rows of requests with an id are kept from now on.
    infer(client, raw, X[:1], request_id="kept")
    observe.flush()
    assert PredictionRecord.objects.get(request_id="kept").row == pytest.approx(
        X[0].tolist(), rel=1e-6
    )


def test_a_model_without_a_profile_learns_one_from_its_first_requests(world, watched):
    endpoint, raw = watched
    endpoint.version.reference = {}
    endpoint.version.save(update_fields=["reference"])
    X, _y = ai4i_like(1200, np.random.default_rng(16))
    send(raw, X[:900], per_request=3)
    endpoint.refresh_from_db()
    assert endpoint_health(endpoint, days=1)["drift"]["reference"] is None
    send(raw, X[900:], per_request=3)
    report = endpoint_health(Endpoint.objects.get(pk=endpoint.pk), days=1)["drift"]
    assert report["reference"] == {"source": "traffic", "rows": 1002}


def test_endpoint_health_prints_json(watched, capsys):
    _endpoint, raw = watched
    X, _y = ai4i_like(300, np.random.default_rng(17))
    send(raw, X)
    call_command("endpoint_health", "line-1-failures", "--days", "3", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["drift"]["rows"] == 300
    assert {i["name"] for i in report["drift"]["inputs"]} >= {"Torque", "Tool wear"}
    assert report["predictions_by_day"][0]["rows"] == 300
    assert report["accuracy"]["labelled"] == 0
    with pytest.raises(Exception, match="No endpoint"):
        call_command("endpoint_health", "nothing-here")


def _csv(name, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_retrain_starts_a_training_job_on_newer_data(transactional_db, settings, client):
    """A model the company trained on OneStop is retrained on the newest data check that has
    its target; without newer data the page says what to upload first."""
    from datetime import timedelta
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from deployment.models import TrainingJob
    from deployment.services import allocation
    from diagnosis.services import datachecks
    from tests import deployment_factories as make
    from tests import factories

    ai4i = (Path(__file__).parent / "data" / "ai4i2020.csv").read_bytes()
    owner = factories.make_user("owner@plant.example", full_name="김공장")
    company = factories.make_company(name="대한정밀", owner=owner)
    first = datachecks.data_check_create(
        company=company, user=owner, upload=SimpleUploadedFile("march.csv", ai4i)
    )
    version = make.version(make.family(company=company, name="own failure model"))
    job = TrainingJob.objects.create(
        company=company,
        data_check=first,
        requested_by=owner,
        target="Machine_failure",
        excluded=["UDI", "Product ID"],
        family="forest",
        budget_unit_hours=2,
        pool=make.pool(name="H200", flavor="nvidia-h200", purpose="training", local=True),
        state="ready",
        cpu_version=version,
    )
    lender = factories.make_company(name="한빛금속", owner=factories.make_user("l@x.example"))
    now = timezone.now()
    allocation.grant_create(
        company=lender,
        pool=job.pool,
        guarantee_units=2,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=300),
    )
    endpoint = Endpoint.objects.create(
        company=company, name="own-failures", version=version, state="ready"
    )
    client.force_login(owner)
    page = client.get(f"/endpoints/{endpoint.pk}/health/").content.decode()
    retrain = page.split('data-testid="retrain"')[1].split("</div>")[0]
    assert "“Machine_failure”" in retrain
    assert "<form" not in retrain
    refused = client.post(f"/endpoints/{endpoint.pk}/health/retrain/", follow=True)
    assert "Machine_failure" in refused.content.decode()
    assert TrainingJob.objects.count() == 1

    newer = datachecks.data_check_create(
        company=company, user=owner, upload=SimpleUploadedFile("april.csv", ai4i)
    )
    newer.refresh_from_db()
    assert newer.status == "ready", newer.error
    started = client.post(f"/endpoints/{endpoint.pk}/health/retrain/")
    retrained = TrainingJob.objects.exclude(pk=job.pk).get()
    assert started.status_code == 302
    assert started["Location"] == f"/training/{retrained.pk}/"
    assert retrained.data_check == newer
    assert retrained.target == "Machine_failure"
    assert retrained.family == "forest"
    assert retrained.excluded == ["UDI", "Product ID"]


def test_odd_labels_are_refused_or_read_as_people_mean_them(watched):
    """A 400-digit number is a clear refusal, not a crash; "true" is the same answer as 1."""
    _endpoint, raw = watched
    client = Client()
    X = ai4i_like(2, np.random.default_rng(18))[0]
    answers = [infer(client, raw, X[i : i + 1], request_id=f"q{i}") for i in range(2)]
    observe.flush()

    def post(body):
        return client.post(
            "/api/v1/endpoints/line-1-failures/feedback",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )

    huge = post('{"id": "q0", "label": ' + "9" * 400 + "}")
    assert huge.status_code == 400
    assert (
        "finite number" in huge.json()["error"]["message"]
        or "유한한" in huge.json()["error"]["message"]
    )
    assert post('{"id": "q0", "label": "true"}').json() == {"recorded": 1}
    assert PredictionRecord.objects.get(request_id="q0").label == "1"
    assert post("[1, 2]").status_code == 400
    assert post("not json").status_code == 400
    assert answers[0]["id"] == "q0"


def test_forwarded_requests_are_read_at_the_flush_and_unreadable_ones_skipped(watched, trained):
    """What a pool's replica answered is kept as bytes and read against the version's
    signature when the metering thread flushes; bytes that do not read are left out, and a
    body past the size kept is never held."""
    endpoint, _raw = watched
    rows = drawn(trained[0], 3, 15)
    body = json.dumps(
        {
            "id": "fwd-1",
            "inputs": [
                {
                    "name": "input",
                    "shape": [3, rows.shape[1]],
                    "datatype": "FP32",
                    "data": rows.ravel().tolist(),
                }
            ],
        }
    ).encode()
    model = endpoint.version.signature["outputs"]
    answer = json.dumps(
        {
            "outputs": [
                {"name": model[0]["name"], "datatype": "INT64", "shape": [3], "data": [0, 1, 0]}
            ]
        }
    ).encode()
    observe.record_forwarded(endpoint.pk, body, None, answer, None)
    observe.record_forwarded(endpoint.pk, b"not json", None, b"{}", None)
    observe.record_forwarded(
        endpoint.pk, b" " * (observe.MAX_FORWARDED_BYTES + 1), None, answer, None
    )
    assert observe.flush() == 2  # the oversized one was never kept
    assert EndpointSketch.objects.get(endpoint=endpoint).rows == 3
    kept = dict(
        PredictionRecord.objects.filter(endpoint=endpoint).values_list("request_id", "predicted")
    )
    assert kept == {"fwd-1#0": "0", "fwd-1#1": "1", "fwd-1#2": "0"}


def test_an_id_sent_again_keeps_its_first_answer_and_new_rows_of_it_are_kept(watched, trained):
    """A client reusing a request id (a fixed body in a load test, a retry): the first answer
    under each id is the one labels are scored against, within one flush as across two."""
    endpoint, raw = watched
    X = trained[0]
    client = Client()
    first = infer(client, raw, X[:1], request_id="same")
    for index in range(1, 40):
        infer(client, raw, X[index : index + 1], request_id="same")
    infer(client, raw, X[40:43], request_id="batch")  # rows batch#0..2
    infer(client, raw, X[50:55], request_id="batch")  # batch#0..2 again, then batch#3, #4
    assert observe.flush() == 42  # every request still counts in the sketches
    infer(client, raw, X[60:61], request_id="same")
    observe.flush()
    kept = dict(
        PredictionRecord.objects.filter(endpoint=endpoint).values_list("request_id", "score")
    )
    assert sorted(kept) == ["batch#0", "batch#1", "batch#2", "batch#3", "batch#4", "same"]
    assert kept["same"] == pytest.approx(first["outputs"][1]["data"][1], rel=1e-5)
