"""Runs of preemptible jobs on a pool backed by a provider's Ray cluster: a Ray job (the
dashboard's Jobs API) whose entrypoint asks for the job's units of the flavor's resource and
talks to OneStop with the run's token. A training run (``deployment.compute.trainer``) fetches
the rows and the last checkpoint, trains, sends each checkpoint back as it is written and, at
the end, the two models and the result; a scoring run (``deployment.compute.scorer``) fetches
the rows and the model and sends each chunk of answers as it is scored.

Asked to stop, the run hears it from OneStop at its next question (every few seconds) and
stops at its checkpoint; on the pool's heartbeat, one still going after the grace period is
stopped by its cluster, and runs the cluster ended without a word are settled."""

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from deployment.compute import ray_cluster
from deployment.compute.ray_cluster import ClusterUnreachable
from deployment.compute.tokens import run_token
from deployment.models import ScoringJob, TrainingJob
from deployment.services.preemptible import claim, run_failed, run_stopped

log = logging.getLogger(__name__)
State = TrainingJob.State
# What each kind of job runs on the cluster, and the base of the routes its run calls.
ENTRYPOINTS = {
    TrainingJob: ("python -m deployment.compute.trainer", "compute_training_spec"),
    ScoringJob: ("python -m deployment.compute.scorer", "compute_scoring_spec"),
}
ENDED = ("SUCCEEDED", "FAILED", "STOPPED")
# A run the cluster has not reported on for this long after it was submitted is looked up.
SETTLE_AFTER_SECONDS = 30
GONE = "GONE"  # the cluster no longer knows the Ray job (its head restarted, say)


def submission_id(job):
    kind = "training" if isinstance(job, TrainingJob) else "scoring"
    return f"onestop-{kind}-{job.pk}-{job.attempt}"


def entrypoint_units(pool, units):
    resource = pool.ray_resource
    if resource == "GPU":
        return {"entrypoint_num_cpus": 1, "entrypoint_num_gpus": units}
    if resource == "CPU":
        return {"entrypoint_num_cpus": units}
    return {"entrypoint_num_cpus": 1, "entrypoint_resources": {resource: units}}


def cluster_run_start(job_id, attempt, model=TrainingJob, prepare=None):
    """Submit the run as a Ray job; ``prepare(job)`` runs first (a scoring job's file is read
    here, once). A cluster that does not take it fails the job with the reason."""
    job = claim(model, job_id, attempt)
    if job is None:
        return False
    if prepare is not None and not prepare(job):
        return False
    pool = job.pool
    entrypoint, spec_route = ENTRYPOINTS[model]
    payload = {
        "entrypoint": entrypoint,
        "submission_id": submission_id(job),
        **entrypoint_units(pool, job.units),
        "runtime_env": {
            "env_vars": {
                "ONESTOP_RUN_URL": settings.SITE_URL
                + reverse(spec_route, args=[job.pk]).removesuffix("spec"),
                "ONESTOP_RUN_TOKEN": run_token(job),
            }
        },
        "metadata": {"onestop_job": submission_id(job)},
    }
    try:
        ray_cluster.request_json(
            pool.cluster_dashboard_url,
            "/api/jobs/",
            pool.cluster_token,
            "POST",
            payload,
            timeout=ray_cluster.ACTION_TIMEOUT_SECONDS,
        )
    except ClusterUnreachable as exc:
        with translation.override(job.language):
            run_failed(
                job,
                attempt,
                _("The pool's Ray cluster did not take the job: %(reason)s") % {"reason": exc},
            )
        return False
    # Recorded once the cluster has it: the heartbeat never looks up a job still being sent.
    model.objects.filter(pk=job.pk, attempt=attempt).update(ray_submission_id=submission_id(job))
    return True


def stop_on_cluster(job):
    pool = job.pool
    try:
        ray_cluster.request_json(
            pool.cluster_dashboard_url,
            f"/api/jobs/{job.ray_submission_id}/stop",
            pool.cluster_token,
            "POST",
            {},
            timeout=ray_cluster.ACTION_TIMEOUT_SECONDS,
        )
    except ClusterUnreachable as exc:
        log.warning("stopping %s on its cluster: %s", job.ray_submission_id, exc)


def cluster_runs_settle(pool):
    """On each heartbeat of ``pool``: a run asked to stop that is still going after the grace
    period is stopped by its cluster; a run the cluster ended without telling OneStop (the
    node died, the entrypoint crashed) is settled, as stopped when it was asked to stop, as
    failed otherwise. The job resumes from the checkpoint it last sent."""
    now = timezone.now()
    running = [
        job
        for model in ENTRYPOINTS
        for job in model.objects.filter(
            pool=pool, run_started_at__isnull=False, state__in=(*model.ACTIVE, State.STOPPED)
        ).exclude(ray_submission_id="")
    ]
    grace = timedelta(seconds=settings.ONESTOP_TRAINING_STOP_SECONDS)
    settled = 0
    for job in running:
        if job.ray_submission_id != submission_id(job):
            continue  # this run is not submitted yet; the id is an earlier run's
        if job.stop_requested_at is not None and now - job.stop_requested_at > grace:
            stop_on_cluster(job)
            run_stopped(job, job.attempt, job.step)
            settled += 1
            continue
        if now - job.run_started_at < timedelta(seconds=SETTLE_AFTER_SECONDS):
            continue
        try:
            answer = ray_cluster.request_json(
                pool.cluster_dashboard_url,
                f"/api/jobs/{job.ray_submission_id}",
                pool.cluster_token,
            )
            status = answer.get("status") if isinstance(answer, dict) else None
        except ClusterUnreachable as exc:
            if exc.status != 404:
                continue  # the pool's heartbeat says why; the next one looks again
            status = GONE
        if status not in (*ENDED, GONE):
            continue
        settled += 1
        if job.stop_requested_at is not None:
            run_stopped(job, job.attempt, job.step)
        else:
            with translation.override(job.language):
                run_failed(
                    job,
                    job.attempt,
                    _(
                        "The run ended on the cluster without a result (Ray job %(status)s). "
                        "What it had done is kept: start the job again."
                    )
                    % {"status": status},
                )
    return settled
