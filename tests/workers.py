"""A real Celery worker in the test process, consuming the broker the settings name (kombu's
filesystem transport without services, Redis in CI), so tasks really queue."""

from celery.contrib.testing.worker import start_worker

from onestop.celery import app


def worker_on(*queues):
    return start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=list(queues),
        perform_ping_check=False,
        shutdown_timeout=60,
    )
