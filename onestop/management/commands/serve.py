"""Run the portal and a Celery worker together: the one-machine way to run OneStop.

The worker consumes every queue and runs the periodic jobs (``-B``); it stops when the web
server stops. Production runs the two separately, with gunicorn and workers per queue.
"""

import ctypes
import shutil
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from onestop.celery import QUEUES


class Command(BaseCommand):
    help = "Serve the portal on ADDRPORT together with a Celery worker."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a Celery worker."
        )

    def handle(self, *args, addrport, no_worker, **options):
        # SIGTERM (a service manager, `kill`) unwinds like Ctrl-C, so the worker stops too.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        worker = None if no_worker else self.start_worker()
        host, _, port = addrport.rpartition(":")
        self.stdout.write(
            self.style.SUCCESS(
                f"OneStop is at http://{host or '127.0.0.1'}:{port}/  "
                f"(database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
                f"broker: {settings.CELERY_BROKER_URL.split('://', 1)[0]})"
            )
        )
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None:
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
