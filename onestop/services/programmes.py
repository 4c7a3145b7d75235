"""A company's side of a support programme: its application for accelerator time and its
progress reports. Deciding them and the grants they lead to are Deployment's
(``deployment.programmes``)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from onestop.models import Application, ProgressReport
from onestop.services.audit import audit_record, audit_snapshot
from onestop.services.notifications import Kind, company_reviewers, notify, site_language

OPEN = (Application.State.SUBMITTED, Application.State.WAITLISTED, Application.State.APPROVED)


def application_check(*, programme, flavor, units, quarterly_plan):
    """What the programme allows an application (or a consultant's draft of one) to ask."""
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


def application_submit(
    *, company, programme, user, flavor, units, quarterly_plan, purpose, evidence=None
):
    application_check(
        programme=programme, flavor=flavor, units=units, quarterly_plan=quarterly_plan
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
        with site_language():
            notify(
                company_reviewers(company),
                kind=Kind.APPLICATION_RECEIVED,
                subject=_("New application from %(company)s") % {"company": company},
                body=_(
                    "%(company)s applied to %(programme)s for %(units)s × %(flavor)s. Review it on "
                    "the desk's applications page."
                )
                % {
                    "company": company,
                    "programme": programme,
                    "units": units,
                    "flavor": application.flavor_label,
                },
                url=reverse("consultant_application", args=[application.pk]),
                company=company,
            )
    return application


def report_months(application):
    """The months a report is due, then 0 for the final one."""
    return [*application.programme.report_months, 0]


def report_submit(
    *,
    application,
    user,
    month,
    kpis,
    products,
    deviations="",
    facts=None,
    kpi_before=None,
    kpi_after=None,
    kpi_evidence="",
):
    if application.state != Application.State.APPROVED:
        raise ValidationError(_("Reports are for approved applications."))
    if month not in report_months(application):
        raise ValidationError(_("No report is due for month %(m)s.") % {"m": month})
    fields = {
        "kpis": kpis,
        "products": products,
        "deviations": deviations,
        "facts": facts or {},
        "kpi_before": kpi_before,
        "kpi_after": kpi_after,
        "kpi_evidence": kpi_evidence,
        "submitted_by": user,
    }
    with transaction.atomic():
        report, created = ProgressReport.objects.get_or_create(
            application=application, month=month, defaults=fields
        )
        if not created:
            if report.state == ProgressReport.State.ACCEPTED:
                raise ValidationError(_("This report has been accepted and can no longer change."))
            for name, value in fields.items():
                setattr(report, name, value)
            report.state = ProgressReport.State.SUBMITTED
            report.save()
        audit_record(
            action="report.submit",
            target=report,
            actor=user,
            after=audit_snapshot(report),
            company=application.company,
        )
    return report


def reports_due(company):
    """Per approved application: each report month and the report sent for it, if any."""
    rows = []
    for application in Application.objects.filter(
        company=company, state=Application.State.APPROVED
    ).prefetch_related("reports", "programme"):
        sent = {r.month: r for r in application.reports.all()}
        rows.append((application, [(m, sent.get(m)) for m in report_months(application)]))
    return rows
