"""Matching's state changes: the company's needs, column corrections, measuring a model on the
company's data, and the match the company picks."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from deployment.models import ModelVersion
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.jobs import run_isolated
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.matching.funding import funding_for
from diagnosis.matching.rank import match_for
from diagnosis.models import ColumnMapping, DataEvaluation, JobStatus, MatchChoice, MatchingNeeds
from diagnosis.services.datachecks import (
    UNEXPECTED,
    claim,
    ensure_job_capacity,
    job_budget,
    latest_ready_check,
)
from onestop.models import Company
from onestop.services.audit import audit_record, audit_snapshot

log = logging.getLogger(__name__)


def visible_version(company, pk):
    return (
        ModelVersion.objects.published()
        .visible_to_company(company)
        .select_related("family")
        .get(pk=pk)
    )


@transaction.atomic
def needs_save(*, company, user, **fields):
    needs, _created = MatchingNeeds.objects.get_or_create(company=company)
    before = audit_snapshot(needs)
    for name, value in fields.items():
        setattr(needs, name, value)
    needs.full_clean()
    needs.save()
    audit_record(
        action="matching.needs",
        target=needs,
        actor=user,
        before=before,
        after=audit_snapshot(needs),
        company=company,
    )
    return needs


@transaction.atomic
def mapping_save(*, company, user, version, corrections, columns):
    names = {c["name"] for c in columns}
    unknown = [c for c in corrections.values() if c and c not in names]
    if unknown:
        raise ValidationError(_("There is no column called '%(name)s'.") % {"name": unknown[0]})
    mapping, _created = ColumnMapping.objects.update_or_create(
        company=company, version=version, defaults={"corrections": corrections, "updated_by": user}
    )
    return mapping


def evaluation_request(*, company, user, version, target=""):
    from diagnosis.tasks import evaluate_on_company_data

    check = latest_ready_check(company)
    if check is None:
        raise ValidationError(_("Upload and profile a sample of your data first."))
    target = target or (check.readiness or {}).get("label") or ""
    if target not in {c["name"] for c in check.columns}:
        raise ValidationError(_("Choose the column the model should predict."))
    with transaction.atomic():
        Company.objects.select_for_update().filter(pk=company.pk).first()
        ensure_job_capacity(company)
        evaluation = DataEvaluation.objects.create(
            company=company,
            version=version,
            data_check=check,
            target=target,
            requested_by=user,
            language=translation.get_language() or "ko",
        )
        evaluate_on_company_data.delay_on_commit(evaluation.pk)
    return evaluation


def evaluation_run(evaluation_id):
    if not claim(DataEvaluation, evaluation_id):
        return None
    evaluation = DataEvaluation.objects.select_related("version__family", "data_check").get(
        pk=evaluation_id
    )
    corrections = (
        ColumnMapping.objects.filter(company_id=evaluation.company_id, version=evaluation.version)
        .values_list("corrections", flat=True)
        .first()
    )
    version, check = evaluation.version, evaluation.data_check
    with translation.override(evaluation.language):
        try:
            measurement = run_isolated(
                "evaluate",
                {
                    "inputs": version.input_columns,
                    "task": version.family.task,
                    "artifact": str(version.artifact_path),
                    "columns": check.columns,
                    "normalised": str(check.folder / NORMALISED_NAME),
                    "target": evaluation.target,
                    "corrections": corrections,
                },
                budget=job_budget(),
                language=evaluation.language,
            )
        except UnreadableFile as exc:
            return fail(evaluation_id, str(exc))
        except Exception:
            log.exception(
                "Evaluating version %s on data check %s failed",
                evaluation.version_id,
                evaluation.data_check_id,
            )
            return fail(evaluation_id, _(UNEXPECTED))
    DataEvaluation.objects.filter(pk=evaluation_id).update(
        status=JobStatus.READY,
        metric=measurement["metric"],
        value=measurement["value"],
        score=measurement["score"],
        rows=measurement["rows"],
        mapping=measurement["mapping"],
        progress=100,
        finished_at=timezone.now(),
    )
    return JobStatus.READY


def fail(evaluation_id, message):
    DataEvaluation.objects.filter(pk=evaluation_id).update(
        status=JobStatus.FAILED, error=message, finished_at=timezone.now()
    )
    return JobStatus.FAILED


@transaction.atomic
def choice_make(*, company, user, version_id, pool_id):
    """Record the company's pick, scored as ranking scores it now. A pair ranking would not
    offer (the model withdrawn, the pool silent, a flavor the model does not run on) is
    refused."""
    match = match_for(company, version_id=version_id, pool_id=pool_id)
    if match is None:
        raise ValidationError(
            _("That match is no longer offered: the model or the pool changed. Pick again.")
        )
    if funding_for(company).of(match.pool) is None:
        raise ValidationError(
            _(
                "Nothing pays for %(flavor)s now: no open programme funds it and you hold no "
                "grant on this pool. Pick a match the page does not mark as unfunded."
            )
            % {"flavor": match.pool.get_flavor_display()}
        )
    choice = MatchChoice.objects.create(
        company=company,
        version=match.version,
        pool=match.pool,
        score=match.total,
        parts=match.parts,
        monthly_cost_krw=match.monthly_cost,
        chosen_by=user,
    )
    audit_record(
        action="matching.choose",
        target=choice,
        actor=user,
        after=audit_snapshot(choice),
        company=company,
    )
    return choice
