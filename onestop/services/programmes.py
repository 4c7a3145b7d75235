"""Applications for accelerator time and their review. Approval asks the allocation side
(wired in through settings) for a grant; when the pools are fully promised, the application
waits on the waitlist in a visible position and is granted as soon as capacity frees."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from onestop.models import Application, ProgressReport
from onestop.services.audit import audit_record, audit_snapshot
from onestop.services.notices import notify_company

OPEN = (Application.State.SUBMITTED, Application.State.WAITLISTED, Application.State.APPROVED)


class CapacityShort(Exception):
    """No pool of the flavor has enough unpromised units for the grant."""


def issue_grant(application):
    return import_string(settings.ONESTOP_GRANT_ISSUER)(application)


def application_submit(
    *, company, programme, user, flavor, units, quarterly_plan, purpose, evidence=None
):
    if not programme.open_for_applications:
        raise ValidationError(_("This programme is not taking applications."))
    if not programme.flavors.filter(flavor=flavor).exists():
        raise ValidationError(_("This programme does not offer %(flavor)s.") % {"flavor": flavor})
    if units > programme.cap_units_per_company:
        raise ValidationError(
            _("The programme grants at most %(cap)s units per company.")
            % {"cap": programme.cap_units_per_company}
        )
    quarters = programme.term_years * 4
    if len(quarterly_plan) != quarters or any(q < 0 for q in quarterly_plan):
        raise ValidationError(
            _("Give a plan for each of the %(n)s quarters of the term.") % {"n": quarters}
        )
    with transaction.atomic():
        if Application.objects.filter(
            company=company, programme=programme, flavor=flavor, state__in=OPEN
        ).exists():
            raise ValidationError(
                _("Your company already has an open application for this flavor.")
            )
        application = Application.objects.create(
            programme=programme,
            company=company,
            flavor=flavor,
            units=units,
            quarterly_plan=quarterly_plan,
            purpose=purpose,
            evidence=evidence or {},
            submitted_by=user,
        )
        audit_record(
            action="application.submit",
            target=application,
            actor=user,
            after=audit_snapshot(application),
            company=company,
        )
    return application


def application_decide(*, application, reviewer, approve, score=None, comment=""):
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.state != Application.State.SUBMITTED:
            raise ValidationError(_("This application has already been decided."))
        before = audit_snapshot(application)
        application.review_score, application.review_comment = score, comment
        application.reviewed_by, application.decided_at = reviewer, timezone.now()
        if not approve:
            application.state = Application.State.REJECTED
        else:
            check_budget(application)
            try:
                issue_grant(application)
                application.state = Application.State.APPROVED
            except CapacityShort:
                application.state = Application.State.WAITLISTED
        application.save()
        notify_company(
            application.company,
            _("Your application: %(state)s") % {"state": application.get_state_display()},
            decision_text(application),
        )
        audit_record(
            action=f"application.{application.state}",
            target=application,
            actor=reviewer,
            before=before,
            after=audit_snapshot(application),
            company=application.company,
        )
    return application


def check_budget(application):
    """The programme's unit-hours for the flavor: approved plans may not exceed them."""
    flavor = application.programme.flavors.get(flavor=application.flavor)
    committed = sum(
        sum(a.quarterly_plan)
        for a in Application.objects.filter(
            programme=application.programme,
            flavor=application.flavor,
            state__in=(Application.State.APPROVED, Application.State.WAITLISTED),
        ).exclude(pk=application.pk)
    )
    asked = sum(application.quarterly_plan)
    if committed + asked > flavor.budget_unit_hours:
        raise ValidationError(
            _(
                "The programme has %(left)s unit-hours of %(flavor)s left; this plan asks for "
                "%(asked)s. Ask the company to reduce its plan, or reject."
            )
            % {
                "left": f"{max(0, flavor.budget_unit_hours - committed):,}",
                "flavor": application.flavor,
                "asked": f"{asked:,}",
            }
        )


def decision_text(application):
    if application.state == Application.State.WAITLISTED:
        return _(
            "Your application for %(flavor)s was approved, but the pools are fully promised: you "
            "are number %(n)s on the waitlist and will be granted as soon as units come back."
        ) % {"flavor": application.flavor, "n": application.waitlist_position}
    if application.state == Application.State.APPROVED:
        return _(
            "Your application for %(flavor)s was approved; the grant is on your dashboard."
        ) % {"flavor": application.flavor}
    return _("Your application for %(flavor)s was not approved. %(comment)s") % {
        "flavor": application.flavor,
        "comment": application.review_comment,
    }


def waitlist_advance(flavor=None):
    """Grant waitlisted applications in order while capacity allows: called whenever units
    are given back (a grant ends, is reduced or reclaimed)."""
    waiting = Application.objects.filter(state=Application.State.WAITLISTED).order_by(
        "decided_at", "pk"
    )
    if flavor:
        waiting = waiting.filter(flavor=flavor)
    granted = []
    for application in waiting:
        with transaction.atomic():
            try:
                issue_grant(application)
            except CapacityShort:
                continue
            Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
            audit_record(
                action="application.granted_from_waitlist",
                target=application,
                company=application.company,
            )
            granted.append(application)
    return granted


def report_months(application):
    """The months a report is due, then 0 for the final one."""
    return [*application.programme.report_months, 0]


def report_submit(*, application, user, month, kpis, products, deviations=""):
    if application.state != Application.State.APPROVED:
        raise ValidationError(_("Reports are for approved applications."))
    if month not in report_months(application):
        raise ValidationError(_("No report is due for month %(m)s.") % {"m": month})
    with transaction.atomic():
        report, created = ProgressReport.objects.get_or_create(
            application=application,
            month=month,
            defaults={
                "kpis": kpis,
                "products": products,
                "deviations": deviations,
                "submitted_by": user,
            },
        )
        if not created:
            if report.state == ProgressReport.State.ACCEPTED:
                raise ValidationError(_("This report has been accepted and can no longer change."))
            report.kpis, report.products, report.deviations = kpis, products, deviations
            report.state, report.submitted_by = ProgressReport.State.SUBMITTED, user
            report.save()
        audit_record(
            action="report.submit",
            target=report,
            actor=user,
            after=audit_snapshot(report),
            company=application.company,
        )
    return report


def report_evaluate(*, report, reviewer, score, evaluation, accept):
    """The officer's evaluation. The first accepted report releases the rest of the guarantee
    (staged release), through the allocation side's capacity checks."""
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update()
            .select_related("application__programme")
            .get(pk=report.pk)
        )
        before = audit_snapshot(report)
        report.score, report.evaluation = score, evaluation
        report.evaluated_by, report.evaluated_at = reviewer, timezone.now()
        report.state = ProgressReport.State.ACCEPTED if accept else ProgressReport.State.RETURNED
        report.save()
        audit_record(
            action="report.evaluate",
            target=report,
            actor=reviewer,
            before=before,
            after=audit_snapshot(report),
            company=report.application.company,
        )
        application = report.application
        released = False
        if accept and application.rest_released_at is None:
            released = import_string(settings.ONESTOP_STAGED_RELEASE)(application)
            if released:
                Application.objects.filter(pk=application.pk).update(
                    rest_released_at=timezone.now()
                )
    return report, released


def extension_candidates(applications):
    """Approved applications ranked for the +1 year: evaluation score, then use of the grant."""
    ranked = []
    for application in applications.filter(
        state=Application.State.APPROVED, extended_at__isnull=True
    ):
        scores = [
            r.score
            for r in application.reports.all()
            if r.state == ProgressReport.State.ACCEPTED and r.score is not None
        ]
        if not scores:
            continue
        usage = import_string(settings.ONESTOP_GRANT_USAGE)(application)
        ranked.append((sum(scores) / len(scores), usage, application))
    ranked.sort(key=lambda item: (-item[0], -item[1], item[2].pk))
    return ranked


def extension_grant(*, application, officer):
    if application.extended_at is not None:
        raise ValidationError(_("This grant has already been extended."))
    import_string(settings.ONESTOP_GRANT_EXTENDER)(application)
    Application.objects.filter(pk=application.pk).update(extended_at=timezone.now())
    audit_record(
        action="grant.extend", target=application, actor=officer, company=application.company
    )
