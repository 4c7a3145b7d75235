"""`make run`'s last step: the web server (uvicorn), a live Celery worker per queue and beat from
one command, on the embedded defaults (SQLite and the filesystem broker), all stopped within ten
seconds of SIGTERM or Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def descendants(pid):
    """Every process below ``pid`` (workers, their pool processes, beat)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def send_ping(env, value, queue=None):
    options = f", queue={queue!r}" if queue else ""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from onestop.tasks import ping; "
            f"ping.apply_async(args=[{value!r}]{options})",
        ],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "onestop.settings"},
        check=True,
        timeout=60,
    )


def started(process, url, log):
    """The portal answers and every queue's worker and beat are up."""
    assert wait_for(lambda: answers(f"{url}/healthz")), log.read_text()[-3000:]
    for queue in settings.ONESTOP_WORKER_CONCURRENCY:
        ready = re.compile(rf"{queue}@\S+ ready\.")
        assert wait_for(lambda r=ready: r.search(log.read_text())), log.read_text()[-3000:]
    assert wait_for(lambda: "beat: Starting..." in log.read_text()), log.read_text()[-3000:]
    return descendants(process.pid)


def test_serve_runs_the_portal_with_a_worker_per_queue_and_beat(served):
    process, url, log, env = served
    children = started(process, url, log)
    text = log.read_text()
    assert "uvicorn" in text
    assert answers(f"{url}/static/onestop/app.css")  # WhiteNoise serves the static files
    # One worker per queue, each consuming its own queue only.
    consumed = re.findall(r"^\s*\.> (\S+)", text, re.MULTILINE)
    assert sorted(consumed) == sorted(settings.ONESTOP_WORKER_CONCURRENCY), text[-3000:]
    assert len(children) >= len(settings.ONESTOP_WORKER_CONCURRENCY) + 1

    # Tasks sent through the filesystem broker are picked up: on the default queue and on the
    # mail queue, by the workers serve started.
    send_ping(env, "serve")
    send_ping(env, "mail-queue", queue="mail")
    assert wait_for(lambda: "{'pong': 'serve'}" in log.read_text()), log.read_text()[-3000:]
    assert wait_for(lambda: "{'pong': 'mail-queue'}" in log.read_text()), log.read_text()[-3000:]


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_and_every_worker_stop_within_ten_seconds(served, stop_signal):
    process, url, log, _ = served
    children = started(process, url, log)
    stopped_at = time.monotonic()
    process.send_signal(stop_signal)
    process.wait(timeout=10)
    assert wait_for(
        lambda: not any(alive(pid) for pid in children), 10 - (time.monotonic() - stopped_at)
    )
    assert time.monotonic() - stopped_at < 10
    assert process.returncode == 0, log.read_text()[-3000:]
