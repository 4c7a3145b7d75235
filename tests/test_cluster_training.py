"""A training job on a GPU pool backed by a real local Ray cluster: it runs as a Ray job that
borrows another company's idle GPU units, is stopped at its checkpoint when that company takes
its units back, waits, resumes from the checkpoint it sent OneStop as a new Ray job, and
finishes; its NPU-ready model then deploys on the company's ATOM grant (Ray Serve on the same
cluster) and answers through OneStop's gateway as the trained model does."""

from datetime import timedelta
from pathlib import Path

import numpy as np
import onnxruntime as ort
import polars as pl
import pytest
import tritonclient.http as triton
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deployment import tasks
from deployment.compute import ray_cluster as ray_cluster_api
from deployment.compute import serve_apps
from deployment.models import AllocationEvent, Endpoint, EndpointKey, TrainingJob
from deployment.services import allocation
from deployment.services.endpoints.pipeline import endpoint_create
from deployment.services.training.starting import training_start
from diagnosis.datacheck.features import encode
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.services import datachecks
from tests import deployment_factories as make
from tests.ray_cluster import free_port
from tests.serving_factories import granted

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("fresh_serving_caches")]
AI4I = Path(__file__).parent / "data" / "ai4i2020.csv"


def wait_until(predicate, seconds=240, step=0.5):
    deadline = timezone.now() + timedelta(seconds=seconds)
    while timezone.now() < deadline:
        value = predicate()
        if value:
            return value
        import time

        time.sleep(step)
    return predicate()


@pytest.fixture
def cluster_pools(transactional_db, world, live_server, ray_cluster, settings):
    """On the local cluster: an H200 pool whose 2 units are all company B's guarantee, and an
    ATOM pool where company A holds a grant. OneStop's address is the live server, which the
    training runs and the replicas call."""
    settings.SITE_URL = live_server.url
    settings.ONESTOP_CLUSTER_START_SECONDS = 120
    settings.ONESTOP_TRAINING_STEPS = 10
    settings.ONESTOP_TRAINING_STOP_SECONDS = 120
    on_cluster = {
        "cluster_dashboard_url": ray_cluster.dashboard_url,
        "cluster_serve_url": f"http://127.0.0.1:{free_port()}",
        "cluster_token": ray_cluster.token,
    }
    gpu = make.pool(
        name="H200 cluster", flavor="nvidia-h200", purpose="training", capacity_units=2,
        **on_cluster,
    )  # fmt: skip
    now = timezone.now()
    allocation.grant_create(
        company=world.company_b,
        pool=gpu,
        guarantee_units=2,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=300),
    )
    atom = granted(world.company_a, units=2, flavor="rbln-atom", **on_cluster)
    tasks.cluster_pools_heartbeat()
    for pool in (gpu, atom.pool):
        pool.refresh_from_db()
        assert pool.unavailable_reason == "", pool.unavailable_reason
    assert gpu.heartbeat["cluster_units"] == 2  # the cluster's GPU units, read from Ray
    yield world, gpu, atom
    ray_cluster_api.request_json(
        ray_cluster.dashboard_url, serve_apps.APPLICATIONS_PATH, ray_cluster.token, "DELETE"
    )


def ray_job_status(pool, submission_id):
    answer = ray_cluster_api.request_json(
        pool.cluster_dashboard_url, f"/api/jobs/{submission_id}", pool.cluster_token
    )
    return answer["status"]


def test_a_borrowing_job_is_reclaimed_resumes_from_its_checkpoint_and_its_npu_model_serves(
    cluster_pools,
):
    world, gpu, atom = cluster_pools
    upload = SimpleUploadedFile("ai4i2020.csv", AI4I.read_bytes())
    check = datachecks.data_check_create(company=world.company_a, user=world.owner_a, upload=upload)
    check.refresh_from_db()
    assert check.status == "ready", check.error

    job = training_start(
        check=check,
        user=world.owner_a,
        target="Machine_failure",
        family="forest",
        budget_unit_hours=4,
        units=2,
    )
    assert job.state == "running", job.error
    first_run = job.ray_submission_id
    # The run on the cluster reports in: it has fetched the rows and is working.
    assert wait_until(lambda: TrainingJob.objects.get(pk=job.pk).progress > 0, 120)
    assert ray_job_status(gpu, first_run) == "RUNNING"

    # Company B wants its guaranteed units: the engine takes them back from the job.
    owner_work = allocation.workload_submit(
        company=world.company_b, pool=gpu, name="B's own training", kind="training", units=2
    )
    assert owner_work.state == "running"
    job.refresh_from_db()
    assert job.state in ("stopping", "waiting")

    # The run hears it at its next checkpoint, sends it, and ends; the job waits.
    waiting = wait_until(lambda: TrainingJob.objects.get(pk=job.pk).state == "waiting", 180)
    job.refresh_from_db()
    assert waiting, (job.state, job.progress_message, job.error)
    resumed_at = job.step
    assert 1 <= resumed_at < job.steps
    assert job.cluster_checkpoint_path.exists()
    assert wait_until(lambda: ray_job_status(gpu, first_run) in ("SUCCEEDED", "STOPPED"), 60)
    reasons = [
        (e.action, e.reason) for e in AllocationEvent.objects.filter(workload=job.workload_id)
    ]
    assert reasons[::-1] == [("admit", "borrow"), ("preempt", "reclaim")]

    # B's work ends: the job is admitted again and a new Ray job resumes from the checkpoint.
    allocation.workload_finish(workload=owner_work)
    job.refresh_from_db()
    assert job.ray_submission_id != first_run
    ready = wait_until(lambda: TrainingJob.objects.get(pk=job.pk).state == "ready", 300)
    job.refresh_from_db()
    assert ready, (job.state, job.progress_message, job.error)
    assert job.runs == [0, resumed_at]  # the second run started from the checkpoint's step
    print(f"stopped at step {resumed_at} of {job.steps}; resumed from step {resumed_at}")
    assert job.result["model"]["npu_check"]["matches"]
    assert job.result["scores"]["forest"]["roc_auc"] > job.result["scores"]["dummy"]["roc_auc"]

    # The NPU-ready form deploys on the ATOM grant and answers through the gateway.
    npu = job.npu_version
    npu.refresh_from_db()
    assert npu.state == "published", npu.reason
    assert "rbln-atom" in npu.flavors
    endpoint = endpoint_create(
        company=world.company_a, version=npu, grant=atom, name="machine-failure", user=None
    )
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.READY, endpoint.reason
    _key, raw = EndpointKey.issue(endpoint)

    rows = feature_rows(check, job.result)
    cpu = ort.InferenceSession(
        str(check.folder / "models" / f"{job.result['model']['sha256']}.onnx")
    )
    expected_labels, expected_probabilities = cpu_answers(cpu, rows)
    client = triton.InferenceServerClient(url=settings.SITE_URL.removeprefix("http://"))
    tensor = triton.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=True)
    answer = client.infer("machine-failure", [tensor], headers={"Authorization": f"Bearer {raw}"})
    np.testing.assert_array_equal(answer.as_numpy("label"), expected_labels)
    np.testing.assert_allclose(answer.as_numpy("probabilities"), expected_probabilities, atol=1e-5)


def feature_rows(check, result, count=32):
    """The last ``count`` rows of the file, encoded as the job encoded them."""
    frame = pl.read_parquet(check.folder / NORMALISED_NAME).tail(count)
    left_out = set(result["excluded"]) | {result["target"]}
    usable = [c for c in check.profile["columns"] if c["name"] not in left_out]
    features = encode(frame, usable, lags=False, target=result["target"])
    assert features.names == result["features"]
    return np.ascontiguousarray(features.matrix, dtype=np.float32)


def cpu_answers(session, rows):
    """The CPU form's labels and class probabilities (it gives them as a list of maps)."""
    outputs = session.run(None, {session.get_inputs()[0].name: rows})
    labels = np.asarray(outputs[0])
    probabilities = outputs[1]
    if isinstance(probabilities, list):
        probabilities = np.array([[row[key] for key in sorted(row)] for row in probabilities])
    return labels, np.asarray(probabilities, dtype=np.float32)


def test_a_run_its_cluster_ends_without_a_word_fails_with_the_reason_on_the_next_heartbeat(
    cluster_pools,
):
    world, gpu, _atom = cluster_pools
    check = datachecks.data_check_create(
        company=world.company_a,
        user=world.owner_a,
        upload=SimpleUploadedFile("ai4i2020.csv", AI4I.read_bytes()),
    )
    check.refresh_from_db()
    job = training_start(
        check=check, user=world.owner_a, target="Machine_failure", family="mlp",
        budget_unit_hours=1,
    )  # fmt: skip
    assert wait_until(lambda: TrainingJob.objects.get(pk=job.pk).progress > 0, 120)

    # The run dies on the cluster (a lost node, say): nothing reaches OneStop.
    ray_cluster_api.request_json(
        gpu.cluster_dashboard_url, f"/api/jobs/{job.ray_submission_id}/stop", gpu.cluster_token,
        "POST", {},
    )  # fmt: skip
    assert wait_until(lambda: ray_job_status(gpu, job.ray_submission_id) == "STOPPED", 60)
    # Settled once the run has had time to report (SETTLE_AFTER_SECONDS after its start).
    TrainingJob.objects.filter(pk=job.pk).update(
        run_started_at=timezone.now() - timedelta(minutes=2)
    )
    tasks.cluster_pools_heartbeat()
    job.refresh_from_db()
    assert job.state == "failed"
    assert "STOPPED" in job.error
    assert job.workload.state == "done"  # the units went back
