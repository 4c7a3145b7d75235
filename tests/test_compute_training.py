"""What a training run on a cluster may ask of OneStop, with its run's token: a token of an
earlier run opens nothing; progress is answered with whether to stop (taken back, stopped,
or past its budget); a checkpoint over the limit or a result whose model does not match what
was sent is refused; a result that matches finishes the job. (The real run on a real Ray
cluster is tests/test_cluster_training.py.)"""

import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployment.compute.tokens import run_token
from deployment.models import TrainingJob
from deployment.services import allocation
from tests import deployment_factories as make
from tests.datacheck_factories import uploaded_check


@pytest.fixture
def run(world, settings):
    """A job of company A on a cluster GPU pool, in its first run."""
    settings.ONESTOP_TRAINING_CHECKPOINT_MAX_BYTES = 1000
    pool = make.pool(
        flavor="nvidia-h200",
        purpose="training",
        capacity_units=2,
        cluster_dashboard_url="http://127.0.0.1:9",
    )
    check = uploaded_check(world.company_a, world.owner_a)
    job = TrainingJob.objects.create(
        company=world.company_a,
        data_check=check,
        target="불량",
        family="forest",
        budget_unit_hours=2,
        pool=pool,
        steps=10,
        state="running",
        attempt=1,
        run_started_at=timezone.now(),
        workload=allocation.workload_submit(
            company=world.company_a, pool=pool, name="t", kind="training", units=1
        ),
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {run_token(job)}")
    return job, client


def url(name, job, **kwargs):
    return reverse(name, kwargs={"pk": job.pk, **kwargs})


def test_the_run_reads_what_to_train_and_the_rows(run):
    job, client = run
    spec = client.get(url("compute_training_spec", job)).json()
    assert (spec["target"], spec["family"], spec["steps"]) == ("불량", "forest", 10)
    rows = client.get(url("compute_training_data", job))
    assert rows.status_code == 200
    assert b"".join(rows.streaming_content).startswith(b"PAR1")  # the normalised Parquet
    assert client.get(url("compute_training_checkpoint", job)).status_code == 404  # none yet


def test_a_token_of_an_earlier_run_opens_nothing(run):
    job, client = run
    TrainingJob.objects.filter(pk=job.pk).update(attempt=2)
    assert client.get(url("compute_training_spec", job)).status_code == 401
    answer = client.post(url("compute_training_progress", job), "{}", "application/json")
    assert answer.json()["stop"] is True


def test_progress_is_recorded_and_answered_with_whether_to_stop(run):
    job, client = run
    report = {"percent": 40, "message": "교차 검증", "metrics": {"forest": {"roc_auc": 0.9}}}
    answer = client.post(url("compute_training_progress", job), report, "application/json")
    assert answer.json() == {"stop": False}
    job.refresh_from_db()
    assert (job.progress, job.progress_message) == (40, "교차 검증")
    assert job.metrics == {"forest": {"roc_auc": 0.9}}

    TrainingJob.objects.filter(pk=job.pk).update(state="stopping")  # the units were taken
    assert client.get(url("compute_training_progress", job)).json() == {"stop": True}
    bad = client.post(url("compute_training_progress", job), {"percent": 400}, "application/json")
    assert bad.status_code == 400


def test_a_run_past_its_budget_is_told_to_stop_and_the_job_fails(run):
    job, client = run
    TrainingJob.objects.filter(pk=job.pk).update(used_unit_seconds=2 * 3600)
    assert client.get(url("compute_training_progress", job)).json()["stop"] is True
    job.refresh_from_db()
    assert job.state == "failed"
    assert "2" in job.error
    job.workload.refresh_from_db()
    assert job.workload.state == "done"


def test_checkpoints_are_kept_up_to_the_limit_and_given_back(run):
    job, client = run
    put = client.put(
        url("compute_training_checkpoint", job) + "?step=3", b"x" * 10, "application/octet-stream"
    )
    assert put.json() == {"step": 3, "stop": False}
    job.refresh_from_db()
    assert job.step == 3
    got = client.get(url("compute_training_checkpoint", job))
    assert b"".join(got.streaming_content) == b"x" * 10
    too_big = client.put(
        url("compute_training_checkpoint", job) + "?step=4",
        b"x" * 2000,
        "application/octet-stream",
    )
    assert too_big.status_code == 413
    assert job.cluster_checkpoint_path.read_bytes() == b"x" * 10  # the last one stands
    backwards = client.put(
        url("compute_training_checkpoint", job) + "?step=2", b"y", "application/octet-stream"
    )
    assert backwards.status_code == 400


def test_a_result_naming_another_model_is_refused(run):
    job, client = run
    model = b"not really onnx"
    sent = client.put(url("compute_training_model", job, form="cpu"), model, "application/x")
    assert sent.json()["sha256"] == hashlib.sha256(model).hexdigest()
    result = {
        "task": "binary",
        "best": "forest",
        "scores": {"forest": {"roc_auc": 0.9}, "dummy": {"roc_auc": 0.5}},
        "model": {"sha256": "0" * 64, "features": []},
    }
    answer = client.post(
        url("compute_training_result", job), json.dumps({"result": result}), "application/json"
    )
    assert answer.status_code == 400
    assert "cpu" in answer.json()["error"]
    job.refresh_from_db()
    assert job.state == "running"


def test_a_stopped_run_leaves_the_job_waiting_at_its_checkpoint(run):
    job, client = run
    TrainingJob.objects.filter(pk=job.pk).update(state="stopping", step=4)
    answer = client.post(url("compute_training_result", job), {"stopped": 4}, "application/json")
    assert answer.status_code == 200
    job.refresh_from_db()
    assert (job.state, job.step, job.run_started_at) == ("waiting", 4, None)
    assert job.used_unit_seconds > 0
    # The run is over: its token opens nothing any more.
    assert client.get(url("compute_training_spec", job)).status_code == 401


def test_scores_of_another_shape_are_refused_with_the_field_named(run):
    job, client = run
    for metrics in ({"items": {"roc_auc": 1}}, {"forest": {"roc_auc": "0.9"}}):
        report = {"percent": 10, "message": "", "metrics": metrics}
        answer = client.post(url("compute_training_progress", job), report, "application/json")
        assert answer.status_code == 400
    job.refresh_from_db()
    assert job.metrics is None
