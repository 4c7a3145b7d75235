"""A Celery worker killed in the middle of a deployment: the endpoint is left in provisioning,
and after the sweeper runs it ends ready on the replicas it already held, not stuck."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from deployment.models import Endpoint, Workload
from deployment.services.endpoints.pipeline import endpoint_create, endpoints_sweep
from tests import onnx_files as files
from tests.serving_factories import granted, published
from tests.workers import worker_on

pytestmark = pytest.mark.broker


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def database_url():
    """The test database, for a worker in another process."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip(
            "a worker in another process cannot open the in-memory SQLite test database; "
            "CI runs this test on PostgreSQL"
        )
    user, host, port = db["USER"] or "postgres", db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def doomed_worker(transactional_db, tmp_path):
    """A worker process that holds its deployments 120 s after taking the replicas."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ONESTOP_MODEL_ROOT": str(settings.ONESTOP_MODEL_ROOT),
        "ONESTOP_DEPLOY_DRILL": "provisioning:120",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "onestop",
            "worker",
            "--pool",
            "solo",
            "--queues",
            "deployment",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process, tmp_path / "worker.log"
    if process.poll() is None:
        process.kill()
    log.close()


def test_a_worker_killed_mid_deployment_is_swept_to_ready(world, tmp_path, doomed_worker):
    process, log = doomed_worker
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    grant = granted(world.company_a)
    endpoint = endpoint_create(
        company=world.company_a,
        version=version,
        grant=grant,
        name="killed-mid-deploy",
        user=world.owner_a,
        min_replicas=2,
        max_replicas=2,
    )

    def state():
        return Endpoint.objects.get(pk=endpoint.pk).state

    assert wait_for(lambda: state() == "provisioning", timeout=90), log.read_text()[-3000:]
    assert wait_for(lambda: endpoint.replicas.filter(state="running").count() == 2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    time.sleep(1)
    assert state() == "provisioning"  # nobody will finish this step

    # The sweeper, some minutes later, finds the abandoned step and queues it again; a healthy
    # worker takes it from the start.
    later = timezone.now() + timedelta(seconds=settings.ONESTOP_DEPLOY_STEP_SECONDS + 1)
    assert endpoints_sweep(now=later) == [endpoint]
    with worker_on("deployment"):
        assert wait_for(lambda: state() in {"ready", "failed"}, timeout=90)
    endpoint.refresh_from_db()
    assert endpoint.state == "ready", endpoint.reason
    # The retry reused the replicas the killed worker had taken rather than taking two more.
    live = endpoint.replicas.exclude(state=Workload.State.DONE)
    assert live.count() == 2
    steps = list(endpoint.events.order_by("at", "pk").values_list("state", flat=True))
    assert steps[:3] == ["pending", "validating", "provisioning"]
    assert steps[3:] == ["pending", "validating", "provisioning", "warming", "ready"]
