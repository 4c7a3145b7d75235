"""A task round-trips through a real broker and a real worker process."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from onestop.tasks import ping

pytestmark = pytest.mark.broker


@pytest.fixture
def worker():
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "amqp://")):
        pytest.skip("set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 to run the broker test")
    if not settings.CELERY_RESULT_BACKEND:
        pytest.skip("the broker test needs a result backend (CELERY_RESULT_BACKEND)")
    queue = f"roundtrip-{os.getpid()}"
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
            queue,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    # The worker really consumed the task: its own log says so.
    assert "onestop.tasks.ping" in output, output[-2000:]


def test_a_task_round_trips_through_the_broker_and_a_worker(worker):
    started = time.monotonic()
    result = ping.apply_async(args=["안녕하세요"], queue=worker)
    assert result.get(timeout=60) == {"pong": "안녕하세요"}
    assert time.monotonic() - started < 60
