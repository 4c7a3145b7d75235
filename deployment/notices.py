"""Who hears what from the compute plane and the programmes: an endpoint ready or failed (the
company's owners), a pool that stopped answering (its provider), a progress report due and a
cut coming (the owners; checked daily, each sent once)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Exemption, Grant
from deployment.programmes.usage import worked_unit_hours
from deployment.programmes.usage_review import (
    QUARTER,
    cut_for,
    planned_unit_hours,
    quarter_of,
    scale_of,
)
from onestop.dates import local_date
from onestop.models import Application
from onestop.services.notifications import (
    Kind,
    in_site_language,
    notify,
    notify_company,
    partner_members,
)
from onestop.services.programmes import report_months

REPORT_WARNING = timedelta(days=7)
CUT_WARNING = timedelta(days=14)
MONTH = timedelta(days=30)


@in_site_language
def endpoint_ready_notice(endpoint):
    notify_company(
        endpoint.company,
        _("Endpoint “%(name)s” is ready") % {"name": endpoint.name},
        _("Your applications can call it now; try it with a row of your own data on its page."),
        kind=Kind.ENDPOINT_READY,
        url=reverse("endpoint_detail", args=[endpoint.pk]),
    )


@in_site_language
def endpoint_failed_notice(endpoint, reason):
    notify_company(
        endpoint.company,
        _("Endpoint “%(name)s” failed") % {"name": endpoint.name},
        _("It stopped at: %(reason)s. Its page says what to do next.") % {"reason": reason},
        kind=Kind.ENDPOINT_FAILED,
        url=reverse("endpoint_detail", args=[endpoint.pk]),
    )


@in_site_language
def pool_unavailable_notice(pool, reason):
    if pool.provider_id is None:
        return
    notify(
        partner_members(pool.provider),
        kind=Kind.POOL_UNAVAILABLE,
        subject=_("Pool “%(pool)s” is unavailable") % {"pool": pool.name},
        body=_(
            "OneStop could not read the pool's cluster: %(reason)s. Deploys and grants on it "
            "wait, and its endpoints are degraded, until it answers again."
        )
        % {"reason": reason},
        url=reverse("partner_home"),
        partner=pool.provider,
    )


@in_site_language
def due_notices(now=None):
    """The daily check: reports due within a week, and quarters heading for a cut."""
    now = now or timezone.now()
    return reports_due_notices(now) + cuts_coming_notices(now)


def report_due_at(grant, month):
    """When the report for ``month`` is due: that many months into the grant; the final
    report (month 0) when the grant ends."""
    return grant.ends_at if month == 0 else grant.starts_at + MONTH * month


def report_which(month):
    """The report's name in a sentence ("the %(which)s report"): final, or month-N."""
    return _("final") if month == 0 else _("month-%(m)s") % {"m": month}


def reports_due_notices(now):
    sent = []
    for application in Application.objects.filter(state=Application.State.APPROVED).select_related(
        "company", "programme"
    ):
        grant = application.grants.order_by("starts_at").first()
        if grant is None:
            continue
        sent_months = set(application.reports.values_list("month", flat=True))
        for month in report_months(application):
            due = report_due_at(grant, month)
            if month in sent_months or not (now >= due - REPORT_WARNING):
                continue
            sent += notify_company(
                application.company,
                _("Progress report due on %(date)s") % {"date": local_date(due)},
                _(
                    "The %(which)s report for %(programme)s is due on %(date)s. It takes about "
                    "ten minutes: the KPIs you reached, what you built, and any change of plan."
                )
                % {
                    "which": report_which(month),
                    "programme": application.programme,
                    "date": local_date(due),
                },
                kind=Kind.REPORT_DUE,
                url=reverse("report_edit", args=[application.pk, month]),
                key=f"report-due:{application.pk}:{month}",
            )
    return sent


def cuts_coming_notices(now):
    sent = []
    for grant in Grant.objects.filter(starts_at__lte=now, ends_at__gt=now).select_related(
        "company", "pool", "application__programme"
    ):
        quarter = quarter_of(grant, now)
        start = grant.starts_at + QUARTER * quarter
        left = start + QUARTER - now
        if left > CUT_WARNING:
            continue
        planned = planned_unit_hours(grant, quarter)
        exempted = Exemption.objects.filter(
            grant=grant, quarter=quarter, state=Exemption.State.ACCEPTED
        ).exists()
        if not planned or exempted:
            continue
        # The pace so far, against the part of the plan the quarter has reached.
        elapsed = (now - start) / QUARTER
        share = worked_unit_hours(grant.company, grant.pool, start, now) / (planned * elapsed)
        programme = grant.application.programme if grant.application_id else None
        cut = cut_for(scale_of(programme), share)
        if not cut:
            continue
        sent += notify_company(
            grant.company,
            _("A cut is coming on %(pool)s") % {"pool": grant.pool.name},
            _(
                "So far this quarter you have used %(share)s of the unit-hours you planned on "
                "%(pool)s for these weeks, and the quarter ends in %(days)s days. At this pace "
                "the review cuts your guarantee by %(cut)s. Use the units, or ask for an "
                "exemption if use is low for a reason."
            )
            % {
                "share": f"{share * 100:.0f}%",
                "pool": grant.pool.name,
                "days": max(0, left.days),
                "cut": f"{cut * 100:.0f}%",
            },
            kind=Kind.CUT_COMING,
            url=reverse("programmes"),
            key=f"cut-coming:{grant.pk}:{quarter}",
        )
    return sent
