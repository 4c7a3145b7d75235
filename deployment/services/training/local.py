"""A run on a local pool: the training worker runs the job in a limited child process, as
today's studies run, with a memory budget and a time limit that is the smaller of the longest
run and what is left of the job's unit-hour budget."""

import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from deployment.models import TrainingJob
from deployment.services.preemptible import (
    UNEXPECTED,
    claim,
    remaining_unit_seconds,
    run_failed,
    run_finished,
    run_stopped,
)
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.jobs import JobBudget, JobCrashed, run_isolated
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.datacheck.train import STOPPED_EXIT

log = logging.getLogger(__name__)
State = TrainingJob.State
OUT_OF_BUDGET = gettext_noop(
    "The job used its whole budget of %(hours)s unit-hours before it finished. Its last "
    "checkpoint was at step %(step)s of %(steps)s; start a job with a larger budget."
)


def progress_reporter(job):
    def report(percent, message, step=None, steps=None, metrics=None):
        fields = {"progress": percent, "progress_message": str(message)[:200]}
        if step is not None:
            fields["step"] = step
        if metrics:
            fields["metrics"] = metrics
        # A job asked to stop keeps saying so until it has.
        type(job).objects.filter(pk=job.pk, state=State.RUNNING).update(**fields)
        type(job).objects.filter(pk=job.pk).exclude(state=State.RUNNING).update(
            **{k: v for k, v in fields.items() if k != "progress_message"}
        )

    return report


def training_run(job_id, attempt):
    """The training worker's task: one run of the job, to its end or its stop."""
    job = claim(TrainingJob, job_id, attempt)
    if job is None:
        return None
    job.folder.mkdir(parents=True, exist_ok=True)
    cpu_file = job.folder / f"run-{attempt}.onnx.part"
    npu_file = job.folder / f"run-{attempt}-npu.onnx.part"
    seconds_left = remaining_unit_seconds(job) / job.units
    wall = int(min(settings.ONESTOP_TRAINING_RUN_WALL_SECONDS, seconds_left))
    with translation.override(job.language):
        if wall < 1:
            return run_failed(job, attempt, out_of_budget(job))
        try:
            result = run_isolated(
                "train",
                {
                    "normalised": str(job.data_check.folder / NORMALISED_NAME),
                    "profile": job.data_check.profile,
                    "target": job.target,
                    "exclude": sorted(job.excluded),
                    "family": job.family,
                    "max_rows": settings.ONESTOP_FEASIBILITY_MAX_ROWS,
                    "checkpoint": str(job.checkpoint_path),
                    "stop_file": str(job.stop_path),
                    "model_out": str(cpu_file),
                    "npu_model_out": str(npu_file),
                    "stop_grace_seconds": settings.ONESTOP_TRAINING_STOP_SECONDS,
                    "steps": job.steps,
                },
                budget=JobBudget(
                    memory_bytes=settings.ONESTOP_DATA_JOB_MEMORY_BYTES,
                    cpu_seconds=wall * 2,  # the fit may use two cores for the whole run
                    wall_seconds=wall,
                    file_bytes=settings.ONESTOP_DATA_JOB_FILE_BYTES,
                ),
                language=job.language,
                progress=progress_reporter(job),
            )
        except UnreadableFile as exc:
            return ended_by_limit(job, attempt, exc, wall)
        except JobCrashed as exc:
            if exc.returncode == STOPPED_EXIT:  # cut short after the grace period
                job.refresh_from_db()
                return run_stopped(job, attempt, job.step)
            log.error("training job %s: %s", job_id, exc)
            return run_failed(job, attempt, _(UNEXPECTED))
        except Exception:
            log.exception("training job %s failed", job_id)
            return run_failed(job, attempt, _(UNEXPECTED))
        finally:
            job.stop_path.unlink(missing_ok=True)
        if result.get("stopped"):
            return run_stopped(job, attempt, result["step"])
        try:
            return run_finished(
                job, attempt, result, cpu_file, npu_file if npu_file.exists() else None
            )
        finally:
            cpu_file.unlink(missing_ok=True)
            npu_file.unlink(missing_ok=True)


def ended_by_limit(job, attempt, exc, wall):
    """A refusal or an exhausted limit fails the job; running out of time when the time was
    the rest of its budget says so."""
    job.refresh_from_db()
    ran = (timezone.now() - job.run_started_at).total_seconds() if job.run_started_at else 0
    if wall < settings.ONESTOP_TRAINING_RUN_WALL_SECONDS and ran >= wall:
        return run_failed(job, attempt, out_of_budget(job))
    return run_failed(job, attempt, exc)


def out_of_budget(job):
    return _(OUT_OF_BUDGET) % {
        "hours": job.budget_unit_hours,
        "step": job.step,
        "steps": job.steps,
    }
