"""Batch scoring for an endpoint on a pool backed by a real local Ray cluster: the run goes to
the cluster as a Ray job that holds one RBLN unit next to the endpoint's replica, fetches the
rows and the model from OneStop, sends each chunk of answers back, and the scored file gives
the answers the endpoint gives through OneStop's gateway."""

import csv

import numpy as np
import pytest
import tritonclient.http as triton
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from deployment import tasks
from deployment.compute import ray_cluster as ray_cluster_api
from deployment.compute import serve_apps
from deployment.models import Endpoint, EndpointKey, ScoringJob
from deployment.services import catalog
from deployment.services.endpoints.pipeline import endpoint_create
from deployment.services.scoring import scoring_start
from tests import deployment_factories as make
from tests.ray_cluster import free_port
from tests.serving_factories import granted
from tests.test_batch_scoring import INPUTS, big_file, model_file

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("fresh_serving_caches")]
ROWS = 25_000


def wait_until(predicate, seconds=180, step=0.5):
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


@pytest.fixture
def endpoint_on_cluster(transactional_db, world, live_server, ray_cluster, tmp_path, settings):
    settings.SITE_URL = live_server.url
    settings.ONESTOP_CLUSTER_START_SECONDS = 120
    grant = granted(
        world.company_a,
        units=2,
        flavor="rbln-atom",
        cluster_dashboard_url=ray_cluster.dashboard_url,
        cluster_serve_url=f"http://127.0.0.1:{free_port()}",
        cluster_token=ray_cluster.token,
    )
    tasks.cluster_pools_heartbeat()
    version = catalog.version_create(
        family=make.family(company=world.company_a, name="press scores"),
        version="1",
        chunks=[model_file(tmp_path / "m.onnx").read_bytes()],
        input_columns=INPUTS,
        origin="tests",
    )
    version.refresh_from_db()
    endpoint = endpoint_create(
        company=world.company_a, version=version, grant=grant, name="press-scores", user=None
    )
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.READY, endpoint.reason
    yield world, endpoint
    ray_cluster_api.request_json(
        ray_cluster.dashboard_url, serve_apps.APPLICATIONS_PATH, ray_cluster.token, "DELETE"
    )


def test_a_file_is_scored_on_the_cluster_as_the_endpoint_answers(endpoint_on_cluster):
    world, endpoint = endpoint_on_cluster
    upload = SimpleUploadedFile("press.csv", big_file(ROWS))
    job = scoring_start(endpoint=endpoint, user=world.owner_a, upload=upload)
    assert job.ray_submission_id.startswith("onestop-scoring-")
    finished = wait_until(lambda: ScoringJob.objects.get(pk=job.pk).state == "ready")
    job.refresh_from_db()
    assert finished, (job.state, job.progress_message, job.error)
    assert (job.rows, job.steps) == (ROWS, 3)
    assert job.workload.state == "done"  # its RBLN unit went back

    with job.result_path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    assert [int(r[0]) for r in rows] == list(range(ROWS))  # every row once, in order
    answered = [r for r in rows if r[1]][:64]
    matrix = np.array(
        [[float(r[1]), float(r[2]), float(r[3]), float(r[4] == "B")] for r in answered],
        dtype=np.float32,
    )
    _key, raw = EndpointKey.issue(endpoint)
    client = triton.InferenceServerClient(url=settings.SITE_URL.removeprefix("http://"))
    tensor = triton.InferInput("x", list(matrix.shape), "FP32")
    tensor.set_data_from_numpy(matrix, binary_data=True)
    answer = client.infer(endpoint.name, [tensor], headers={"Authorization": f"Bearer {raw}"})
    scored = np.array([[float(r[5]), float(r[6])] for r in answered], dtype=np.float32)
    np.testing.assert_allclose(scored, answer.as_numpy("scores"), rtol=1e-6)
