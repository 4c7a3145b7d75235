"""The runs of preemptible jobs (training jobs, batch scoring jobs), driven by the allocation
engine: admitted, the job starts a run (in this server's worker for a local pool, as a Ray job
on a cluster pool); preempted (its units taken back), the run is asked to stop at its next
checkpoint; admitted again, the next run resumes from that checkpoint.

The functions take the job (a ``TrainingJob`` or a ``ScoringJob``: the same states and run
fields) and work on its own table.

Every run ends in exactly one of ``run_finished``, ``run_stopped`` or ``run_failed``; each
locks the job's row, so a run that ends as the person presses Stop, or as the engine takes the
units back, is settled once."""

import logging
import os
import shutil
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from deployment.models import ScoringJob, TrainingJob, Workload
from deployment.services.allocation import workload_finish

log = logging.getLogger(__name__)
State = TrainingJob.State
UNEXPECTED = gettext_noop(
    "The training stopped on an unexpected error. Its last checkpoint is kept: start the job "
    "again, and if it fails again, tell the OneStop desk."
)
WAITING_AGAIN = gettext_noop(
    "The units were taken back by their owner. The job waits for units and resumes from "
    "step %(step)s of %(steps)s."
)
KINDS = (TrainingJob, ScoringJob)


def workload_moved(workload_id, action):
    """The engine admitted or preempted a preemptible workload (after its transaction)."""
    job = next(
        (j for kind in KINDS if (j := kind.objects.filter(workload_id=workload_id).first())),
        None,
    )
    if job is None:
        return
    if action == "admit":
        run_begin(job)
    elif action == "preempt":
        run_preempted(job)


def run_begin(job):
    """Start a run of a waiting job whose workload the engine admitted."""
    waiting = type(job).objects.filter(
        pk=job.pk, state=State.WAITING, workload__state=Workload.State.RUNNING
    )
    with translation.override(job.language):
        started = waiting.update(
            state=State.RUNNING,
            run_started_at=timezone.now(),
            attempt=F("attempt") + 1,
            ray_submission_id="",  # the new run's, once it is submitted
            progress_message=_("Starting"),
        )
    if not started:
        return False  # stopped meanwhile, or still stopping its last run: it begins when done
    job.refresh_from_db()
    from deployment import tasks

    if isinstance(job, ScoringJob) and job.pool.on_cluster:
        tasks.start_cluster_scoring.delay(job.pk, job.attempt)
    elif isinstance(job, ScoringJob):
        tasks.run_scoring_job.delay(job.pk, job.attempt)
    elif job.pool.on_cluster:
        tasks.start_cluster_training.delay(job.pk, job.attempt)
    else:
        tasks.run_training_job.delay(job.pk, job.attempt)
    return True


def run_preempted(job):
    with translation.override(job.language):
        moved = (
            type(job)
            .objects.filter(pk=job.pk, state=State.RUNNING)
            .update(
                state=State.STOPPING,
                progress_message=_(
                    "The units were taken back by their owner: stopping at the next checkpoint"
                ),
            )
        )
    if moved:
        ask_run_to_stop(type(job).objects.get(pk=job.pk))
    else:
        # Not started yet: it simply waits again.
        with translation.override(job.language):
            type(job).objects.filter(pk=job.pk, state=State.WAITING).update(
                progress_message=_("Waiting for units")
            )


def ask_run_to_stop(job):
    """A local run checks its stop flag between steps; a cluster run asks OneStop every few
    seconds and hears it there (one still going after the grace period is stopped by its
    cluster: ``cluster_runs_settle``)."""
    type(job).objects.filter(pk=job.pk, stop_requested_at__isnull=True).update(
        stop_requested_at=timezone.now()
    )
    if not job.pool.on_cluster:
        job.folder.mkdir(parents=True, exist_ok=True)
        job.stop_path.touch()


def account(job, now):
    """Add the run's unit-seconds to the job's use; the run is over."""
    if job.run_started_at is not None:
        job.used_unit_seconds += max(0.0, (now - job.run_started_at).total_seconds()) * job.units
    job.run_started_at = job.stop_requested_at = None


def locked_run(job, attempt):
    """The job, locked and read afresh, if ``attempt`` is still its current run; else None."""
    job = type(job).objects.select_for_update().filter(pk=job.pk).first()
    if job is None or job.attempt != attempt or job.run_started_at is None:
        return None
    return job


def run_stopped(job, attempt, step):
    """The run stopped at its checkpoint of ``step``: the job waits for units again, or starts
    its next run at once if the engine has admitted it meanwhile."""
    with transaction.atomic():
        job = locked_run(job, attempt)
        if job is None:
            return None
        account(job, timezone.now())
        job.step = max(job.step, step)
        if job.state in (State.RUNNING, State.STOPPING):
            job.state = State.WAITING
            with translation.override(job.language):
                job.progress_message = _(WAITING_AGAIN) % {"step": job.step, "steps": job.steps}
        job.save()
    if job.state == State.WAITING:
        transaction.on_commit(lambda: run_begin(job))
    return job


def run_failed(job, attempt, message):
    """The run failed: the job ends with ``message`` (in its starter's language) and gives its
    units back."""
    with transaction.atomic():
        job = locked_run(job, attempt)
        if job is None:
            return None
        account(job, timezone.now())
        if job.is_active:
            job.state, job.error = State.FAILED, str(message)
            job.progress_message, job.finished_at = "", timezone.now()
        job.save()
        if job.workload_id:
            workload_finish(workload=job.workload)
    return job


def run_finished(job, attempt, result, cpu_file, npu_file):
    """The run trained and exported the model: the files join the data check's models, the
    units go back, the two forms enter the company's private catalog, and then the job is
    finished (so a finished job always shows its models)."""
    from deployment.services.training.models import register_trained

    with transaction.atomic():
        job = locked_run(job, attempt)
        if job is None:
            return None
        account(job, timezone.now())
        if job.state not in (State.RUNNING, State.STOPPING):
            job.save()  # stopped by a person meanwhile: the result is not wanted
            return job
        models = job.data_check.folder / "models"
        models.mkdir(parents=True, exist_ok=True)
        os.replace(cpu_file, models / f"{result['model']['sha256']}.onnx")
        if npu_file is not None and result["model"].get("npu_sha256"):
            os.replace(npu_file, models / f"{result['model']['npu_sha256']}.onnx")
        job.result, job.metrics = result, result["scores"]
        job.step, job.progress = job.steps, 95
        with translation.override(job.language):
            job.progress_message = _("Adding the model to your catalog")
        job.save()
        if job.workload_id:
            workload_finish(workload=job.workload)
    with translation.override(job.language):
        try:
            register_trained(job)
        except Exception:
            # The files are kept; the job says it could not finish rather than stay at 95 %.
            log.exception("training job %s: registering its model failed", job.pk)
            TrainingJob.objects.filter(pk=job.pk, state__in=TrainingJob.ACTIVE).update(
                state=State.FAILED, error=_(UNEXPECTED), finished_at=timezone.now()
            )
            return job
    TrainingJob.objects.filter(pk=job.pk, state__in=TrainingJob.ACTIVE).update(
        state=State.READY, progress=100, progress_message="", finished_at=timezone.now()
    )
    job.refresh_from_db()
    shutil.rmtree(job.folder, ignore_errors=True)  # the checkpoints have done their work
    return job


def claim(model, job_id, attempt):
    """The job, if this is its current run and its units are still admitted; the run's clock
    starts now (time spent waiting for a worker is not charged), its start step is recorded
    and any stale stop flag is cleared before the claim commits, so a preemption from now on is
    heard. A run asked to stop, or whose units were taken, before it began is settled as
    stopped (the job waits again) and None is returned."""
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.attempt != attempt or job.run_started_at is None:
            return None
        admitted = Workload.objects.filter(pk=job.workload_id, state="running").exists()
        if job.state == State.RUNNING and admitted:
            job.runs = [*job.runs, job.step]
            job.run_started_at = timezone.now()
            job.save(update_fields=["runs", "run_started_at"])
            job.stop_path.unlink(missing_ok=True)
            return job
        # It never began: nothing to charge.
        job.run_started_at = timezone.now()
        job.save(update_fields=["run_started_at"])
    run_stopped(job, attempt, job.step)
    return None


def remaining_unit_seconds(job):
    return job.budget_unit_hours * 3600 - job.used_unit_seconds


def lost_runs_sweep(now=None):
    """Runs lost with their worker (a killed worker, a lost task): a local run past the longest
    a run may last, or a cluster run never submitted past the longest its start may take, is
    settled as stopped, so the job waits again and resumes from its last checkpoint instead of
    holding its units for ever. A run that never began is not charged. Cluster runs that were
    submitted are settled by their pool's heartbeat."""
    from django.conf import settings

    now = now or timezone.now()
    longest = {
        TrainingJob: settings.ONESTOP_TRAINING_RUN_WALL_SECONDS + 900,
        ScoringJob: 2 * settings.ONESTOP_DATA_JOB_WALL_SECONDS + 900,
    }
    unsubmitted = timedelta(seconds=settings.ONESTOP_DATA_JOB_WALL_SECONDS + 900)
    swept = 0
    for model, seconds in longest.items():
        local = model.objects.filter(
            run_started_at__lt=now - timedelta(seconds=seconds), pool__cluster_dashboard_url=""
        )
        never_sent = model.objects.filter(
            run_started_at__lt=now - unsubmitted, ray_submission_id=""
        ).exclude(pool__cluster_dashboard_url="")
        for job in [*local, *never_sent]:
            log.warning("%s %s: its run was lost; it waits to resume", model.__name__, job.pk)
            if len(job.runs) < job.attempt:  # never claimed: it never began
                model.objects.filter(pk=job.pk).update(run_started_at=now)
            swept += bool(run_stopped(job, job.attempt, job.step))
    return swept


def job_stop(*, job, user, action, reason=None):
    """Stop a training or scoring job for good: its run (if any) is asked to stop, its units
    go back at once, the change is audited as ``action``. Without a person (``user`` None),
    ``reason`` says why."""
    from django.core.exceptions import ValidationError

    from onestop.services.audit import audit_record, audit_snapshot

    with transaction.atomic():
        job = type(job).objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            raise ValidationError(_("This job has already ended."))
        was_running = job.state in (State.RUNNING, State.STOPPING)
        before = audit_snapshot(job)
        job.state = State.STOPPED
        job.error = (
            _("Stopped by %(name)s.") % {"name": user.get_full_name() or user.email}
            if user is not None
            else str(reason)
        )
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "error", "finished_at"])
        audit_record(
            action=action,
            target=job,
            actor=user,
            before=before,
            after=audit_snapshot(job),
            company=job.company,
        )
        if was_running:
            ask_run_to_stop(job)
        if job.workload_id:
            workload_finish(workload=job.workload)
    return job
