"""Each kind of work has its own queue, so a flood of one kind (a vendor's hundred uploads, a
plant's big files) never delays another: every task of the product is routed to the queue of its
kind, and every queue has a worker (`manage.py serve` starts one per queue)."""

import pytest
from django.conf import settings

from onestop.celery import app

EXPECTED = {
    "deployment.tasks.validate_model_version": "validation",
    "diagnosis.tasks.profile_data_check": "profiling",
    "diagnosis.tasks.run_feasibility_study": "profiling",
    "diagnosis.tasks.evaluate_on_company_data": "profiling",
    "deployment.tasks.deploy_endpoint": "deployment",
    "deployment.tasks.roll_endpoint": "deployment",
    "deployment.tasks.update_cluster_apps": "deployment",
    "deployment.tasks.run_training_job": "training",
    "deployment.tasks.start_cluster_training": "deployment",
    "deployment.tasks.run_scoring_job": "scoring",
    "deployment.tasks.start_cluster_scoring": "scoring",
    "deployment.tasks.scan_drop_folders": "drops",
    "deployment.tasks.sync_cluster_endpoints": "heartbeats",
    "onestop.tasks.send_invitation_email": "mail",
    "onestop.tasks.send_notification_emails": "mail",
    "deployment.tasks.local_pools_heartbeat": "heartbeats",
    "deployment.tasks.cluster_pools_heartbeat": "heartbeats",
    "deployment.tasks.sweep_endpoints": "heartbeats",
    # Housekeeping shares the default queue.
    "onestop.tasks.ping": "default",
    "onestop.tasks.purge_idempotency_records": "default",
    "diagnosis.tasks.purge_expired_data_checks": "default",
    "deployment.tasks.review_grant_usage": "default",
    "deployment.tasks.send_due_notices": "default",
    "deployment.tasks.close_previous_month": "default",
    "deployment.tasks.roll_up_endpoint_usage": "default",
    "deployment.tasks.check_model_health": "default",
}


def queue_of(name):
    return app.amqp.router.route({}, name)["queue"].name


@pytest.mark.parametrize(("task", "queue"), EXPECTED.items())
def test_each_task_goes_to_the_queue_of_its_kind(task, queue):
    assert queue_of(task) == queue


def test_every_task_of_the_product_has_a_decided_queue():
    app.loader.import_default_modules()
    ours = {
        name for name in app.tasks if name.split(".")[0] in {"onestop", "diagnosis", "deployment"}
    }
    assert ours - set(EXPECTED) == set(), "route the new task in CELERY_TASK_ROUTES, then here"


def test_every_queue_has_a_worker_and_every_worker_a_queue():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    workers = set(settings.ONESTOP_WORKER_CONCURRENCY)
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} == workers
    assert all(concurrency >= 1 for concurrency in settings.ONESTOP_WORKER_CONCURRENCY.values())


def test_periodic_jobs_name_real_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
