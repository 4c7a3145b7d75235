"""The Celery app. Queues by kind of work (settings.CELERY_TASK_ROUTES), each consumed by its
own worker, so a flood of one kind never holds up another."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")

app = Celery("onestop")
app.config_from_object("django.conf:settings", namespace="CELERY")

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # Late acknowledgement is switched on per task, only for tasks that are safe to run twice
    # (they claim their work with a conditional update): such a task whose worker dies is
    # delivered again rather than lost.
    worker_prefetch_multiplier=1,
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "purge-idempotency-records": {
            "task": "onestop.tasks.purge_idempotency_records",
            "schedule": 3600.0,
        },
        "local-pools-heartbeat": {
            "task": "deployment.tasks.local_pools_heartbeat",
            "schedule": 60.0,
        },
        "cluster-pools-heartbeat": {
            "task": "deployment.tasks.cluster_pools_heartbeat",
            "schedule": 60.0,
            # A run that could not start within the minute is replaced by the next one.
            "options": {"expires": 55},
        },
        "due-notices": {
            "task": "deployment.tasks.send_due_notices",
            "schedule": 24 * 3600.0,
        },
        # 01:00 UTC is 10:00 in Korea, where months end: the month before is over by then.
        # The 2nd and 3rd catch a 1st the beat missed (a run after the first does nothing).
        "close-previous-month": {
            "task": "deployment.tasks.close_previous_month",
            "schedule": crontab(minute=0, hour=1, day_of_month="1-3"),
        },
        "review-grant-usage": {
            "task": "deployment.tasks.review_grant_usage",
            "schedule": 6 * 3600.0,
        },
        "sweep-endpoints": {
            "task": "deployment.tasks.sweep_endpoints",
            "schedule": 60.0,
        },
        "check-model-health": {
            "task": "deployment.tasks.check_model_health",
            "schedule": 600.0,
            "options": {"expires": 590},
        },
        "roll-up-endpoint-usage": {
            "task": "deployment.tasks.roll_up_endpoint_usage",
            "schedule": 3600.0,
        },
        "scan-drop-folders": {
            "task": "deployment.tasks.scan_drop_folders",
            "schedule": 60.0,
        },
        "purge-expired-data-checks": {
            "task": "diagnosis.tasks.purge_expired_data_checks",
            "schedule": 3600.0,
        },
    },
)


def ensure_filesystem_broker_folders():
    """kombu's filesystem transport needs its folders to exist before the first message."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


app.autodiscover_tasks()
