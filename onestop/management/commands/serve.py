"""Run the portal, its Celery workers and the scheduler together: the one-machine way to run
OneStop.

The web server is uvicorn (uvloop, httptools) on ``onestop.asgi``, with
`ONESTOP_WEB_WORKERS` worker processes: the /v2 inference lane answers on the event loop or in
`ONESTOP_WEB_THREADS` threads, the portal runs on Django's ASGI handler, and static files come
from WhiteNoise. Each Celery queue (settings.ONESTOP_WORKER_CONCURRENCY) gets a worker of its
own with its own processes, so a flood of one kind of job never delays another, and one
``celery beat`` process sends the periodic jobs. SIGTERM or Ctrl-C stops everything within ten
seconds: the web server finishes the requests in flight (`WEB_GRACE_SECONDS`), the workers get
`WORKER_GRACE_SECONDS` to finish theirs (late-acknowledged jobs that do not finish are
delivered again), then whatever is left is killed. Production may run the same pieces
separately with the same command lines.
"""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

# How long uvicorn waits for requests in flight, then how long the workers get to finish their
# jobs: together under the ten seconds a process supervisor or a person at Ctrl-C will wait.
WEB_GRACE_SECONDS = 3
WORKER_GRACE_SECONDS = 5


class Command(BaseCommand):
    help = "Serve the portal on ADDRPORT (uvicorn) with a Celery worker per queue and beat."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start Celery workers or beat."
        )

    def handle(self, *args, addrport, no_worker, **options):
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        workers, threads = settings.ONESTOP_WEB_WORKERS, settings.ONESTOP_WEB_THREADS
        serving = os.getpid()
        # uvicorn handles SIGTERM and SIGINT while it serves, then raises the signal again with
        # the handler it found: SIGTERM's default would end this process before the workers
        # are stopped, so both signals end it through the `finally` below.
        signal.signal(signal.SIGTERM, _leave)
        signal.signal(signal.SIGINT, _leave)
        children = []
        try:
            if not no_worker:
                self.start_celery(children)
            self.stdout.write(
                self.style.SUCCESS(
                    f"OneStop is at http://{host}:{port}/  "
                    f"(uvicorn: {workers} worker process(es), {threads} serving threads each, "
                    f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
                    f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]})"
                )
            )
            self.stdout.flush()
            uvicorn.run(
                "onestop.asgi:application",
                host=host,
                port=int(port),
                workers=workers,
                loop="uvloop",
                http="httptools",
                lifespan="on",
                access_log=False,
                timeout_keep_alive=5,
                timeout_graceful_shutdown=WEB_GRACE_SECONDS,
                # X-Forwarded-For/-Proto are believed only from a proxy the operator named.
                proxy_headers=settings.ONESTOP_BEHIND_PROXY,
                forwarded_allow_ips=settings.ONESTOP_PROXY_ADDRESSES,
            )
        finally:
            # Only this process owns the workers (uvicorn's own workers are spawned, not forked).
            if os.getpid() == serving:
                stop(children)

    def start_celery(self, children):
        celery = shutil.which("celery", path=str(sys.prefix) + "/bin") or "celery"
        commands = [
            [
                celery,
                "-A",
                "onestop",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{queue}@%h",
                "--loglevel",
                "INFO",
                # One machine: the workers need not find or watch each other.
                "--without-gossip",
                "--without-mingle",
            ]
            for queue, concurrency in settings.ONESTOP_WORKER_CONCURRENCY.items()
        ]
        commands.append(
            [
                celery,
                "-A",
                "onestop",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(settings.VAR_DIR / "celerybeat-schedule"),
                "--pidfile",
                "",
            ]
        )
        for command in commands:
            self.stdout.write(f"Starting {' '.join(command[3:])}")
            # A session of its own: Ctrl-C at the terminal reaches this process only, which
            # stops the workers in order; the whole group can be killed at the end.
            children.append(
                subprocess.Popen(command, start_new_session=True, preexec_fn=_stop_with_parent)  # noqa: S603
            )


def stop(children):
    """SIGTERM to each worker and beat (a warm shutdown: jobs in flight may finish), then, after
    `WORKER_GRACE_SECONDS`, SIGKILL to whatever is left of each process group (pool processes
    included)."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + WORKER_GRACE_SECONDS
    while time.monotonic() < deadline and not all(_exited(child.pid) for child in children):
        time.sleep(0.1)
    for child in children:
        # The leader is not reaped yet, so its group id cannot have been given to anyone else.
        with contextlib.suppress(ProcessLookupError):  # no group left: all have exited
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _exited(pid):
    """Whether a child has exited, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _leave(signum, frame):
    raise SystemExit(0)


def _stop_with_parent():
    """Linux: a worker gets SIGTERM if this process dies without cleaning up (SIGKILL)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
