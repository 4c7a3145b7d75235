"""Data checks and feasibility studies: upload, profile, study, share, delete, expire.

Celery tasks call `data_check_profile` and `study_run` with ids; both claim their job with a
conditional update, so a redelivered task does not run the work twice at once, and both leave
the job failed with a reason rather than lost. The work itself runs in a separate process with
a memory and time budget (diagnosis.datacheck.jobs); this process keeps the database up to
date."""

import contextlib
import hashlib
import json
import logging
import os
import shutil
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from deployment.usecases import TASK_USE_CASES
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.features import recipe_columns
from diagnosis.datacheck.jobs import JobBudget, run_isolated
from diagnosis.datacheck.limits import TableLimits
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.datacheck.readers import ArchiveLimits
from diagnosis.models import DataCheck, FeasibilityStudy, JobStatus
from onestop.models import Company
from onestop.services.audit import audit_record, audit_snapshot

log = logging.getLogger(__name__)
COPY_CHUNK = 1024 * 1024
# Marked for translation here, translated when the job fails (in its starter's language).
EXPIRED_DURING_TRAINING = gettext_noop(
    "Stopped: the data check's file reached the end of its retention and was deleted."
)
UNEXPECTED = gettext_noop(
    "The work stopped on an unexpected error. Your file is kept: try again, and if it fails "
    "again, tell the OneStop desk."
)


def archive_limits():
    return ArchiveLimits(
        max_unpacked_bytes=settings.ONESTOP_UPLOAD_MAX_UNPACKED_BYTES,
        max_entries=settings.ONESTOP_UPLOAD_MAX_ARCHIVE_ENTRIES,
    )


def table_limits():
    return TableLimits(
        max_columns=settings.ONESTOP_DATA_MAX_COLUMNS,
        max_line_bytes=settings.ONESTOP_DATA_MAX_LINE_BYTES,
    )


def job_budget():
    return JobBudget(
        memory_bytes=settings.ONESTOP_DATA_JOB_MEMORY_BYTES,
        cpu_seconds=settings.ONESTOP_DATA_JOB_CPU_SECONDS,
        wall_seconds=settings.ONESTOP_DATA_JOB_WALL_SECONDS,
        file_bytes=settings.ONESTOP_DATA_JOB_FILE_BYTES,
    )


def data_check_create(*, company, user, upload, sheet=""):
    """Keep the uploaded file in the company's folder and queue its profile."""
    from diagnosis.tasks import profile_data_check

    with transaction.atomic():
        # The company row is the lock that makes the per-company limits hold under
        # concurrent uploads.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        checks = DataCheck.objects.for_company(company)
        if checks.count() >= settings.ONESTOP_DATA_CHECKS_PER_COMPANY:
            raise ValidationError(
                _("Your company keeps %(limit)s data checks at most. Delete old ones first.")
                % {"limit": settings.ONESTOP_DATA_CHECKS_PER_COMPANY}
            )
        ensure_job_capacity(company)
        check = DataCheck(
            company=company,
            uploaded_by=user,
            original_name=upload.name[:255],
            size=upload.size,
            sheet=sheet.strip()[:100],
            language=translation.get_language() or settings.LANGUAGE_CODE,
            expires_at=timezone.now() + timedelta(days=settings.ONESTOP_DATA_RETENTION_DAYS),
            sha256="",
        )
        check.folder.mkdir(parents=True, exist_ok=True)
        check.sha256 = store_upload(upload, check.source_path)
        try:
            check.save()
            audit_record(
                action="datacheck.upload",
                target=check,
                actor=user,
                after=audit_snapshot(check),
                company=company,
            )
        except Exception:
            shutil.rmtree(check.folder, ignore_errors=True)
            raise
        profile_data_check.delay_on_commit(check.pk)
    return check


def store_upload(upload, target):
    digest = hashlib.sha256()
    with open(target, "wb") as out:
        for chunk in upload.chunks(COPY_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def ensure_job_capacity(company):
    """Costly work is rationed per company (OWASP ASVS V2.4.1); call under the company lock."""
    if active_jobs(company) >= settings.ONESTOP_DATA_JOBS_AT_ONCE:
        raise ValidationError(
            _("%(limit)s data jobs are already running for your company. Wait for one to finish.")
            % {"limit": settings.ONESTOP_DATA_JOBS_AT_ONCE}
        )


def active_jobs(company):
    from diagnosis.models import DataEvaluation

    active = (JobStatus.QUEUED, JobStatus.RUNNING)
    return (
        DataCheck.objects.filter(company=company, status__in=active).count()
        + FeasibilityStudy.objects.filter(data_check__company=company, status__in=active).count()
        + DataEvaluation.objects.filter(company=company, status__in=active).count()
    )


def claim(model, pk):
    """Move a queued (or interrupted) job to running; False when it is done or gone."""
    return bool(
        model.objects.filter(pk=pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
            status=JobStatus.RUNNING, progress=0, error=""
        )
    )


def reporter(model, pk):
    def report(percent, message):
        model.objects.filter(pk=pk).update(progress=percent, progress_message=str(message)[:200])

    return report


def finish_failed(model, pk, message):
    model.objects.filter(pk=pk).update(
        status=JobStatus.FAILED, error=str(message), finished_at=timezone.now(), progress_message=""
    )


def json_safe(data):
    """What JSON can hold: anything else a file's values bring in is stored as text."""
    return json.loads(json.dumps(data, default=str))


def run_job(model, pk, work):
    """Run `work(progress)` for a claimed job in its starter's language. A file or data the
    work cannot handle fails the job with its message; anything else with a generic one (and
    a log entry). Returns the work's result, or None when the job failed."""
    job = model.objects.get(pk=pk)
    with translation.override(job.language):
        try:
            return work(job, reporter(model, pk))
        except UnreadableFile as exc:
            finish_failed(model, pk, exc)
        except Exception:
            log.exception("%s %s failed", model.__name__, pk)
            finish_failed(model, pk, _(UNEXPECTED))
    return None


def data_check_profile(check_id):
    """The profiling job: read, type and profile the upload, then score its readiness."""
    if not claim(DataCheck, check_id):
        return None

    def work(check, progress):
        answer = run_isolated(
            "profile",
            {
                "source": str(check.source_path),
                "folder": str(check.folder),
                "sheet": check.sheet,
                "archive_limits": vars(archive_limits()),
                "table_limits": vars(table_limits()),
            },
            budget=job_budget(),
            language=check.language,
            progress=progress,
        )
        profile, score = answer["profile"], answer["readiness"]
        DataCheck.objects.filter(pk=check_id).update(
            status=JobStatus.READY,
            profile=json_safe(profile),
            readiness=json_safe(score),
            readiness_score=score["score"],
            progress=100,
            finished_at=timezone.now(),
        )
        return JobStatus.READY

    # Saving is part of the job: a result that cannot be stored fails it with a reason
    # instead of leaving it "running" for ever.
    return run_job(DataCheck, check_id, work) or JobStatus.FAILED


def data_check_retry(*, check):
    from diagnosis.tasks import profile_data_check

    if check.status != JobStatus.FAILED:
        raise ValidationError(_("Only a failed check can be tried again."))
    DataCheck.objects.filter(pk=check.pk).update(status=JobStatus.QUEUED, progress=0, error="")
    profile_data_check.delay_on_commit(check.pk)


@transaction.atomic
def data_check_delete(*, check, user):
    """Remove the record, its studies and models, and every file derived from the upload;
    its training jobs stop first and give their units back."""
    from deployment.services.training.starting import training_stop

    for job in check.training_jobs.filter(state__in=("waiting", "running", "stopping")):
        training_stop(job=job, user=user)
    before = audit_snapshot(check)
    folder = check.folder
    check.delete()
    audit_record(
        action="datacheck.delete", target=check, actor=user, before=before, company=check.company
    )
    transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))


@transaction.atomic
def data_check_share_rows(*, check, user, share):
    if check.share_rows == share:
        return check
    before = audit_snapshot(check)
    check.share_rows = share
    check.save(update_fields=["share_rows"])
    audit_record(
        action="datacheck.share_rows" if share else "datacheck.unshare_rows",
        target=check,
        actor=user,
        before=before,
        after=audit_snapshot(check),
        company=check.company,
    )
    return check


def data_checks_purge_expired(now=None):
    """Delete the checks whose retention has run out, files included; their training jobs
    stop first and give their units back."""
    from deployment.services.training.starting import training_stop

    expired = list(DataCheck.objects.filter(expires_at__lte=now or timezone.now()))
    deleted = 0
    for check in expired:
        folder = check.folder
        for job in check.training_jobs.filter(state__in=("waiting", "running", "stopping")):
            with translation.override(job.language), contextlib.suppress(ValidationError):
                # (one that ended meanwhile needs no stop)
                training_stop(job=job, user=None, reason=_(EXPIRED_DURING_TRAINING))
        if check.training_jobs.filter(run_started_at__isnull=False).exists():
            continue  # a run is still stopping: the check goes at a later purge, once it has
        deleted += 1
        with transaction.atomic():
            before = audit_snapshot(check)
            check.delete()
            audit_record(
                action="datacheck.expire", target=check, before=before, company=check.company
            )
        shutil.rmtree(folder, ignore_errors=True)
    return deleted


def study_request(*, check, user, target="", excluded=()):
    from diagnosis.tasks import run_feasibility_study

    if not check.is_ready:
        raise ValidationError(_("The data check must finish before a study can run."))
    names = {column["name"] for column in check.columns}
    if len(target) > FeasibilityStudy._meta.get_field("target").max_length:
        raise ValidationError(_("Column names this long cannot be a target; rename the column."))
    if target and target not in names:
        raise ValidationError(_("There is no column called '%(name)s'.") % {"name": target})
    unknown = [name for name in excluded if name not in names]
    if unknown:
        raise ValidationError(_("There is no column called '%(name)s'.") % {"name": unknown[0]})
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=check.company_id).first()
        ensure_job_capacity(check.company)
        study = FeasibilityStudy.objects.create(
            data_check=check,
            target=target,
            excluded=[name for name in excluded if name != target],
            requested_by=user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        audit_record(
            action="datacheck.study",
            target=study,
            actor=user,
            after=audit_snapshot(study),
            company=check.company,
        )
        run_feasibility_study.delay_on_commit(study.pk)
    return study


def study_run(study_id):
    """The study job: baselines, leakage checks, ONNX export and its check."""
    if not claim(FeasibilityStudy, study_id):
        return None

    def work(study, progress):
        check = study.data_check
        models = check.folder / "models"
        models.mkdir(parents=True, exist_ok=True)
        written = models / f"study-{study.pk}.onnx.part"
        npu_written = models / f"study-{study.pk}-npu.onnx.part"
        try:
            result = run_isolated(
                "study",
                {
                    "normalised": str(check.folder / NORMALISED_NAME),
                    "profile": check.profile,
                    "target": study.target or None,
                    "exclude": sorted(study.excluded),
                    "max_rows": settings.ONESTOP_FEASIBILITY_MAX_ROWS,
                    "model_out": str(written),
                    "npu_model_out": str(npu_written),
                },
                budget=job_budget(),
                language=study.language,
                progress=progress,
            )
            study.model_sha256 = result["model"]["sha256"]
            os.replace(written, study.model_path)
            if result["model"].get("npu_sha256") and npu_written.exists():
                study.result = result
                os.replace(npu_written, study.npu_model_path)
        finally:
            written.unlink(missing_ok=True)
            npu_written.unlink(missing_ok=True)
        FeasibilityStudy.objects.filter(pk=study_id).update(
            status=JobStatus.READY,
            result=result,
            model_sha256=study.model_sha256,
            progress=100,
            finished_at=timezone.now(),
        )
        return result

    result = run_job(FeasibilityStudy, study_id, work)
    if result is None:
        return JobStatus.FAILED
    register_private_model(
        FeasibilityStudy.objects.select_related("data_check").get(pk=study_id), result
    )
    return JobStatus.READY


def register_private_model(study, result):
    """The study's model enters the catalog as the company's private candidate. A failure here
    never undoes the study: the model stays downloadable."""
    study.result = result  # where the NPU-ready form's file is found
    forms = [(study.model_path, "")]
    if study.npu_model_path is not None and study.npu_model_path.exists():
        forms.append((study.npu_model_path, "-npu"))  # the NPU-ready form, for NPU pools
    register_own_models(
        check=study.data_check,
        user=study.requested_by,
        result=result,
        forms=forms,
        name=f"{study.data_check.original_name} · {study.target or _('unusual rows')}"[:200],
        kind="study",
        source_id=study.pk,
    )


def register_own_models(*, check, user, result, forms, name, kind, source_id):
    """Each (path, suffix) form of a study's or training job's model as a private version;
    returns the versions made, None for a form that could not be registered."""
    from deployment.services.catalog import private_model_from_study

    inputs = recipe_columns(result["model"]["features"])
    best = result["scores"].get(result["best"], {})
    versions = []
    for path, suffix in forms:
        try:
            versions.append(
                private_model_from_study(
                    company=check.company,
                    user=user,
                    onnx_path=path,
                    name=name,
                    task=result["task"],
                    use_cases=TASK_USE_CASES[result["task"]],
                    input_columns=inputs,
                    metrics={k: v for k, v in best.items() if isinstance(v, int | float)},
                    study_id=source_id,
                    suffix=suffix,
                    kind=kind,
                    reference=result["model"].get("reference"),
                )
            )
        except Exception:
            log.exception("Registering the model of %s %s failed", kind, source_id)
            versions.append(None)
    return versions


def latest_ready_check(company):
    return DataCheck.objects.for_company(company).filter(status=JobStatus.READY).first()
