"""`make run`'s last step: the web server (uvicorn) and a live Celery worker from one command,
on the embedded defaults (SQLite and the filesystem broker), stopped together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.conf import settings


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(ONESTOP_VAR_DIR=str(tmp_path), DEBUG="1", PYTHONUNBUFFERED="1")
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    yield process, f"http://127.0.0.1:{port}", log, env
    if process.poll() is None:
        process.kill()


def test_serve_runs_the_portal_with_a_live_worker_and_stops_it(served):
    process, url, log, env = served
    assert wait_for(lambda: answers(f"{url}/healthz")), log.read_text()[-3000:]
    assert "uvicorn" in log.read_text()
    assert answers(f"{url}/static/onestop/app.css")  # WhiteNoise serves the static files
    assert wait_for(lambda: "ready." in log.read_text()), log.read_text()[-3000:]

    # A task sent through the filesystem broker is picked up by the worker serve started.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from onestop.tasks import ping; ping.delay('serve')",
        ],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "onestop.settings"},
        check=True,
        timeout=60,
    )
    assert wait_for(lambda: "{'pong': 'serve'}" in log.read_text()), log.read_text()[-3000:]

    worker_pids = subprocess.run(
        ["pgrep", "-f", f"{env['ONESTOP_VAR_DIR']}/celerybeat-schedule"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert worker_pids
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert wait_for(lambda: not any(os.path.exists(f"/proc/{pid}") for pid in worker_pids), 30)
