"""Run the portal and a Celery worker together: the one-machine way to run OneStop.

The web server is uvicorn (uvloop, httptools) on ``onestop.asgi``, with
`ONESTOP_WEB_WORKERS` worker processes: the /v2 inference lane answers on the event loop or in
`ONESTOP_WEB_THREADS` threads, the portal runs on Django's ASGI handler, and static files come
from WhiteNoise. The Celery worker consumes every queue and runs the periodic jobs (``-B``); it
stops when the web server stops. SIGTERM or Ctrl-C stops both. Production may run the two
separately, with the same uvicorn command line.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand

from onestop.celery import QUEUES


class Command(BaseCommand):
    help = "Serve the portal on ADDRPORT (uvicorn) together with a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a Celery worker."
        )

    def handle(self, *args, addrport, no_worker, **options):
        host, _, port = addrport.rpartition(":")
        host = host or "127.0.0.1"
        workers, threads = settings.ONESTOP_WEB_WORKERS, settings.ONESTOP_WEB_THREADS
        worker = None if no_worker else self.start_worker()
        self.stdout.write(
            self.style.SUCCESS(
                f"OneStop is at http://{host}:{port}/  "
                f"(uvicorn: {workers} worker process(es), {threads} serving threads each, "
                f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
                f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]})"
            )
        )
        self.stdout.flush()
        serving = os.getpid()
        try:
            # uvicorn handles SIGTERM and SIGINT itself: it finishes the requests in flight,
            # stops its worker processes and returns here.
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
                timeout_graceful_shutdown=10,
            )
        finally:
            # Only this process owns the worker (uvicorn's own workers are spawned, not forked).
            if worker is not None and os.getpid() == serving:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def start_worker(self):
        celery = shutil.which("celery", path=str(sys.prefix) + "/bin") or "celery"
        command = [
            celery,
            "-A",
            "onestop",
            "worker",
            "-B",
            "--loglevel",
            "INFO",
            "--queues",
            ",".join(QUEUES),
            "--concurrency",
            "2",
            "--schedule",
            str(settings.VAR_DIR / "celerybeat-schedule"),
        ]
        self.stdout.write(f"Starting a Celery worker: {' '.join(command[1:])}")
        return subprocess.Popen(command, preexec_fn=_stop_with_parent)  # noqa: S603


def _stop_with_parent():
    """Linux: the worker gets SIGTERM if this process dies without cleaning up (SIGKILL)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
