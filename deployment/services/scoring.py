"""Batch scoring jobs: a file scored with one of the company's endpoints, as preemptible work on
the endpoint's pool. The allocation engine admits it on the company's idle guaranteed units or
borrows idle units of other companies' guarantees; taken back, the run ends after the chunk
under way and the next run starts at the first chunk not yet scored.

The file is read by the data check's readers (any format the data check takes) in the first
run; the scoring runs in a limited child process of the scoring worker."""

import logging
import shutil
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from deployment.models import Endpoint, ScoringJob, Workload
from deployment.scoring.chunks import assemble
from deployment.services.allocation import workload_finish, workload_submit
from deployment.services.preemptible import (
    account,
    claim,
    job_stop,
    locked_run,
    run_failed,
    run_stopped,
)
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.jobs import JobCrashed, run_isolated
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.datacheck.train import STOPPED_EXIT
from onestop.models import Company
from onestop.services.audit import audit_record, audit_snapshot

log = logging.getLogger(__name__)
State = ScoringJob.State
SCORABLE = (Endpoint.State.READY, Endpoint.State.DEGRADED)
UNEXPECTED = gettext_noop(
    "The scoring stopped on an unexpected error. The rows already scored are kept: start it "
    "again, and if it fails again, tell the OneStop desk."
)


def scoring_start(*, endpoint, user, upload, drop=None, drop_key=""):
    """Keep the file and submit the job's work to the allocation engine; a file from a drop
    folder records the folder and the file's identity in the same transaction."""
    from diagnosis.services.datachecks import store_upload

    if endpoint.state not in SCORABLE or endpoint.pool_id is None:
        raise ValidationError(_("Only a ready endpoint can score a file."))
    if not endpoint.version.input_columns:
        raise ValidationError(
            _("This model does not say which columns it reads, so a file cannot be scored.")
        )
    company = endpoint.company
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        if ScoringJob.objects.for_company(company).active().count() >= (
            settings.ONESTOP_SCORING_JOBS_AT_ONCE
        ):
            raise ValidationError(
                _("%(limit)s files are already being scored for your company. Wait for one.")
                % {"limit": settings.ONESTOP_SCORING_JOBS_AT_ONCE}
            )
        job = ScoringJob(
            company=company,
            endpoint=endpoint,
            version=endpoint.version,
            requested_by=user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            original_name=upload.name[:255],
            size=upload.size,
            pool=endpoint.pool,
            drop=drop,
            drop_key=drop_key,
            progress_message=_("Waiting for units"),
            expires_at=timezone.now() + timedelta(days=settings.ONESTOP_DATA_RETENTION_DAYS),
        )
        job.folder.mkdir(parents=True, exist_ok=True)
        job.sha256 = store_upload(upload, job.source_path)
        try:
            job.save()
            audit_record(
                action="scoring.start",
                target=job,
                actor=user,
                after=audit_snapshot(job),
                company=company,
            )
            job.workload = workload_submit(
                company=company,
                pool=job.pool,
                name=f"{endpoint.name} #{job.pk}"[:200],  # shown with its kind
                kind=Workload.Kind.TRAINING,
                units=job.units,
            )
            job.save(update_fields=["workload"])
        except Exception:
            shutil.rmtree(job.folder, ignore_errors=True)
            raise
    job.refresh_from_db()
    return job


def scoring_stop(*, job, user):
    return job_stop(job=job, user=user, action="scoring.stop")


def reporter(job):
    def report(percent, message, step=None, steps=None, **_extra):
        fields = {"progress": percent}
        if step is not None:
            fields.update(step=step, steps=steps)
        ScoringJob.objects.filter(pk=job.pk).update(**fields)
        ScoringJob.objects.filter(pk=job.pk, state=State.RUNNING).update(
            progress_message=str(message)[:200]
        )

    return report


def scoring_run(job_id, attempt):
    """The scoring worker's task: one run of the job, to its end or its stop."""
    from diagnosis.services.datachecks import archive_limits, job_budget, table_limits

    job = claim(ScoringJob, job_id, attempt)
    if job is None:
        return None
    with translation.override(job.language):
        try:
            if not (job.folder / NORMALISED_NAME).exists():
                read_file(job, archive_limits(), table_limits(), job_budget())
            answer = run_isolated(
                "score",
                {
                    "normalised": str(job.folder / NORMALISED_NAME),
                    "model": str(job.version.artifact_path),
                    "inputs": job.version.input_columns,
                    "chunks": str(job.chunks_folder),
                    "stop_file": str(job.stop_path),
                    "stop_grace_seconds": settings.ONESTOP_TRAINING_STOP_SECONDS,
                },
                budget=job_budget(),
                language=job.language,
                progress=reporter(job),
            )
        except UnreadableFile as exc:
            return run_failed(job, attempt, exc)
        except JobCrashed as exc:
            if exc.returncode == STOPPED_EXIT:
                job.refresh_from_db()
                return run_stopped(job, attempt, job.step)
            log.error("scoring job %s: %s", job_id, exc)
            return run_failed(job, attempt, _(UNEXPECTED))
        except Exception:
            log.exception("scoring job %s failed", job_id)
            return run_failed(job, attempt, _(UNEXPECTED))
        finally:
            job.stop_path.unlink(missing_ok=True)
    if answer.get("stopped"):
        return run_stopped(job, attempt, answer["step"])
    return scoring_finished(job, attempt, answer)


def scoring_cluster_start(job_id, attempt):
    """A run on a cluster pool: the file is read here once, then the run goes to the cluster
    as a Ray job (``deployment.compute.scorer``) next to the endpoint's replicas."""
    from deployment.services.cluster_runs import cluster_run_start
    from diagnosis.services.datachecks import archive_limits, job_budget, table_limits

    def read_once(job):
        if (job.folder / NORMALISED_NAME).exists():
            return True
        with translation.override(job.language):
            try:
                read_file(job, archive_limits(), table_limits(), job_budget())
            except UnreadableFile as exc:
                run_failed(job, attempt, exc)
                return False
            except Exception:
                log.exception("scoring job %s: reading its file failed", job.pk)
                run_failed(job, attempt, _(UNEXPECTED))
                return False
        return True

    return cluster_run_start(job_id, attempt, model=ScoringJob, prepare=read_once)


def read_file(job, archive, table, budget):
    """The file read as the data check reads it, and checked for the model's columns."""
    answer = run_isolated(
        "profile",
        {
            "source": str(job.source_path),
            "folder": str(job.folder),
            "sheet": "",
            "archive_limits": vars(archive),
            "table_limits": vars(table),
        },
        budget=budget,
        language=job.language,
        progress=lambda percent, message, **_extra: None,
    )
    present = {column["name"] for column in answer["profile"]["columns"]}
    missing = [c["name"] for c in job.version.input_columns if c["name"] not in present]
    if missing:
        raise UnreadableFile(
            _("The file has no column “%(name)s”, which the model reads.") % {"name": missing[0]}
        )


def scoring_finished(job, attempt, answer):
    with transaction.atomic():
        job = locked_run(job, attempt)
        if job is None:
            return None
        account(job, timezone.now())
        if job.state in (State.RUNNING, State.STOPPING):
            assemble(job.chunks_folder, answer["steps"], job.result_path)
            job.state, job.rows = State.READY, answer["rows"]
            job.step = job.steps = answer["steps"]
            job.progress, job.progress_message = 100, ""
            job.finished_at = timezone.now()
        job.save()
        if job.workload_id:
            workload_finish(workload=job.workload)
    shutil.rmtree(job.chunks_folder, ignore_errors=True)
    return job


def scoring_jobs_purge_expired(now=None):
    """Delete the jobs whose retention has run out, with their files (the upload and the
    scored file are the company's data, kept no longer than a data check)."""
    expired = list(
        ScoringJob.objects.filter(expires_at__lte=now or timezone.now()).exclude(
            state__in=ScoringJob.ACTIVE
        )
    )
    for job in expired:
        folder = job.folder
        job.delete()
        shutil.rmtree(folder, ignore_errors=True)
    return len(expired)
