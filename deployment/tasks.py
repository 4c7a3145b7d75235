from celery import shared_task
from django.conf import settings

from deployment.services import catalog, pools


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def validate_model_version(version_id):
    # Safe to run twice: the job claims the version with a conditional update.
    return catalog.version_validate(version_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def local_pools_heartbeat():
    """The pools this server serves itself report through the server's own worker: if the
    worker stops, they turn unavailable like any silent pool."""
    return pools.local_heartbeat()


# Not acks_late: a run cut short is not worth repeating, the next minute's run reads afresh.
@shared_task(soft_time_limit=50, time_limit=55)
def cluster_pools_heartbeat():
    """Pools backed by a Ray cluster: their state is read from the cluster itself."""
    return pools.clusters_heartbeat()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def review_grant_usage():
    """Use it or lose it: safe to run twice, each quarter of a grant is reviewed once."""
    from deployment.programmes.usage_review import review_usage

    return len(review_usage())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def close_previous_month():
    """The month that just ended: licence months and metered requests charged to vouchers,
    and statements announced. Safe to run twice (and beat runs it on the 1st to the 3rd):
    each item is charged once (unique per endpoint or licence and month) and each notice has
    a key."""
    from django.utils import timezone

    from deployment.programmes.month_close import month_close
    from deployment.programmes.months import month_of, previous_month

    charges, notices = month_close(month=previous_month(month_of(timezone.now())))
    return {"charges": len(charges), "notices": len(notices)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_due_notices():
    """Reports due within a week and quarters heading for a cut, each told to the owners once
    (safe to run twice: each notice has a key)."""
    from deployment.notices import due_notices

    return len(due_notices())


# Endpoint tasks are safe to run twice: each deploy step is claimed with a conditional update.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def deploy_endpoint(endpoint_id):
    from deployment.services.endpoints.pipeline import endpoint_deploy

    return endpoint_deploy(endpoint_id=endpoint_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def roll_endpoint(endpoint_id):
    from deployment.services.endpoints.pipeline import endpoint_roll_finish

    return endpoint_roll_finish(endpoint_id=endpoint_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=70)
def update_cluster_apps(pool_id):
    """Send a cluster pool's Serve applications after an endpoint stopped, went or scaled; if
    the cluster does not take them, the pool's next heartbeat sends them again."""
    from deployment.compute.serve_apps import push_quietly
    from deployment.models import ComputePool

    pool = ComputePool.objects.filter(pk=pool_id).first()
    return bool(pool) and push_quietly(pool)


# Not acks_late: the next heartbeat sends another.
@shared_task(soft_time_limit=50, time_limit=55, expires=55)
def sync_cluster_endpoints(pool_id):
    """After a cluster answered its heartbeat: its Serve list sent again, lost replicas
    recorded, degraded endpoints back to ready when their replicas answer, training runs the
    cluster ended without a word settled."""
    from deployment.models import ComputePool
    from deployment.services.cluster_runs import cluster_runs_settle
    from deployment.services.endpoints.cluster import cluster_answered

    pool = ComputePool.objects.filter(pk=pool_id).exclude(cluster_dashboard_url="").first()
    if pool is None:
        return False
    cluster_runs_settle(pool)
    return cluster_answered(pool=pool)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_endpoints():
    """Deployments whose worker died are retried or failed; replicas follow the load; local
    training and scoring runs lost with their worker wait to resume."""
    from deployment.services.endpoints.lifecycle import endpoints_autoscale
    from deployment.services.endpoints.pipeline import endpoints_sweep
    from deployment.services.preemptible import lost_runs_sweep

    return {
        "swept": len(endpoints_sweep()),
        "scaled": len(endpoints_autoscale()),
        "runs": lost_runs_sweep(),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True)
def check_model_health():
    """Raise or clear drift and accuracy alerts, and forget answers past their keeping time."""
    from deployment.health.alerts import health_check_all, health_purge

    raised = health_check_all()
    health_purge()
    return len(raised)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def roll_up_endpoint_usage():
    from deployment.services.endpoint_usage import roll_up

    return roll_up()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.ONESTOP_TRAINING_RUN_WALL_SECONDS + 600,
    time_limit=settings.ONESTOP_TRAINING_RUN_WALL_SECONDS + 700,
)
def run_training_job(job_id, attempt):
    """One run of a training job on a local pool; a run redelivered after its worker died
    resumes from the job's last checkpoint."""
    from deployment.services.training.local import training_run

    return bool(training_run(job_id, attempt))


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=60, time_limit=70)
def start_cluster_training(job_id, attempt):
    from deployment.services.cluster_runs import cluster_run_start

    return cluster_run_start(job_id, attempt)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.ONESTOP_DATA_JOB_WALL_SECONDS * 2 + 300,
    time_limit=settings.ONESTOP_DATA_JOB_WALL_SECONDS * 2 + 400,
)
def run_scoring_job(job_id, attempt):
    """One run of a batch scoring job; a run redelivered after its worker died starts at the
    first chunk not yet scored."""
    from deployment.services.scoring import scoring_run

    return bool(scoring_run(job_id, attempt))


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.ONESTOP_DATA_JOB_WALL_SECONDS + 300,
    time_limit=settings.ONESTOP_DATA_JOB_WALL_SECONDS + 400,
)
def start_cluster_scoring(job_id, attempt):
    """Read a scoring job's file (once) and send its run to the pool's cluster."""
    from deployment.services.scoring import scoring_cluster_start

    return scoring_cluster_start(job_id, attempt)


# Not acks_late: the next minute's scan looks again; a file is taken by renaming it, once.
@shared_task(soft_time_limit=50, time_limit=55, expires=55)
def scan_drop_folders():
    """Files dropped in endpoints' drop folders become scoring jobs; finished jobs' answers
    go to the folders' outboxes."""
    from deployment.services.drops import drops_scan

    return drops_scan()
