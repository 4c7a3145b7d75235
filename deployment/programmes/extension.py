"""The extra year for top performers: ranked by their reports' scores, then by the outcomes
they measured (accepted reports with a KPI before and after, backed by evidence, then their
models' accuracy on the labels reported), then by how much of their grant they use;
extended by an officer if the pool can promise the guarantee that long."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Grant
from deployment.programmes.grants import application_grant, units_promised_besides
from deployment.programmes.usage import usage_share
from deployment.services.allocation import locked
from onestop.models import Application, ProgressReport
from onestop.services.audit import audit_record


def extension_candidates(applications):
    """(mean score, usage share, application) for the approved applications not yet extended
    that have an accepted, scored report: best first. Between equal scores, measured outcomes
    come before use: the accepted reports that give the firm's KPI before and after."""
    ranked = []
    for application in applications.filter(
        state=Application.State.APPROVED, extended_at__isnull=True
    ):
        accepted = [
            r
            for r in application.reports.all()
            if r.state == ProgressReport.State.ACCEPTED and r.score is not None
        ]
        if not accepted:
            continue
        measured = sum(r.kpi_before is not None and r.kpi_after is not None for r in accepted)
        score = sum(r.score for r in accepted) / len(accepted)
        ranked.append(
            (score, measured, live_accuracy(accepted), usage_share(application), application)
        )
    ranked.sort(key=lambda item: (-item[0], -item[1], -item[2], -item[3], item[4].pk))
    return [(score, usage, application) for score, _m, _a, usage, application in ranked]


def live_accuracy(reports):
    """The share of right answers on the labels the reports' periods measured, 0 without
    labels: a model checked against what really happened ranks above one never checked."""
    labels = sum((r.facts or {}).get("labels") or 0 for r in reports)
    right = sum((r.facts or {}).get("labels_right") or 0 for r in reports)
    return right / labels if labels else 0.0


def extension_grant(*, application, officer):
    if application.extended_at is not None:
        raise ValidationError(_("This grant has already been extended."))
    grant_extend(application)
    Application.objects.filter(pk=application.pk).update(extended_at=timezone.now())
    audit_record(
        action="grant.extend", target=application, actor=officer, company=application.company
    )


def grant_extend(application):
    """Move the end of the application's grant by the programme's extension, if the pool can
    promise the guarantee that long."""
    grant = application_grant(application)
    if grant is None:
        raise ValidationError(_("This application has no grant to extend."))
    new_end = grant.ends_at + timedelta(days=365 * application.programme.extension_years)
    with transaction.atomic():
        pool = locked(grant.pool)
        others = units_promised_besides(grant, pool, grant.ends_at, new_end)
        if others + grant.guarantee_units > pool.capacity_units:
            raise ValidationError(_("The pool cannot promise this guarantee for the extra year."))
        Grant.objects.filter(pk=grant.pk).update(ends_at=new_end)
