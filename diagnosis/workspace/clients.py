"""The client list: each company a desk member works on, with what needs attention there and
why, the companies that need it most first.

What counts: progress reports overdue or due soon, applications and reports waiting for the
desk, endpoints failed or degraded, endpoints whose inputs or accuracy drifted, grants nobody
has used for a while, and steps of the action plan past their due date. Each source is one
query (grants: one per pool), whatever the number of companies."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deployment.models import Endpoint, Grant, HealthAlert
from deployment.notices import report_due_at, report_which
from deployment.programmes.usage import unit_hours_between, work_intervals
from diagnosis.models import ActionItem
from onestop.dates import local_date
from onestop.models import Application, ProgressReport
from onestop.roles import companies_seen_by
from onestop.services.programmes import report_months

REPORT_SOON = timedelta(days=14)
IDLE = timedelta(days=14)

# How much each reason weighs in the order: a broken programme rule or a broken endpoint
# first, then what waits for the desk, then what only slows the company down.
WEIGHTS = {
    "report_overdue": 50,
    "endpoint_failing": 40,
    "drift": 30,
    "review": 25,
    "steps_overdue": 20,
    "report_due": 15,
    "grant_idle": 10,
}


@dataclass(frozen=True)
class Reason:
    kind: str
    text: str
    url: str

    @property
    def weight(self):
        return WEIGHTS[self.kind]


@dataclass
class ClientRow:
    company: object
    reasons: list = field(default_factory=list)

    @property
    def score(self):
        return sum(reason.weight for reason in self.reasons)


def client_list(user, now=None):
    """Every company ``user`` works on (all of them for an officer), as ``ClientRow``s: the
    weightiest reasons first, then by name."""
    companies = companies_seen_by(user)
    found = attention(companies, now)
    rows = [
        ClientRow(company, found.get(company.pk, []))
        for company in companies.order_by("name", "pk")
    ]
    return sorted(rows, key=lambda row: -row.score)  # stable: by name within a score


def attention(companies, now=None):
    """{company id: [Reason, …], weightiest first} for the companies of a queryset."""
    now = now or timezone.now()
    found = defaultdict(list)
    for source in (_reports, _applications, _endpoints, _drift, _idle_grants, _overdue_steps):
        for company_id, reason in source(companies, now):
            found[company_id].append(reason)
    for reasons in found.values():
        reasons.sort(key=lambda reason: -reason.weight)
    return found


def _reports(companies, now):
    """Reports not sent (or returned for changes) that are due soon or overdue, and reports
    sent that wait for the desk's evaluation."""
    applications = (
        Application.objects.filter(company__in=companies, state=Application.State.APPROVED)
        .select_related("programme")
        .prefetch_related("grants", "reports")
    )
    for application in applications:
        grants = sorted(application.grants.all(), key=lambda grant: grant.starts_at)
        if not grants:
            continue
        sent = {report.month: report for report in application.reports.all()}
        url = reverse("consultant_application", args=[application.pk])
        words = {"programme": application.programme}
        for month in report_months(application):
            report = sent.get(month)
            words["which"] = report_which(month)
            if report is not None and report.state == ProgressReport.State.SUBMITTED:
                text = _("The %(which)s report for %(programme)s waits for its evaluation.")
                yield application.company_id, Reason("review", text % words, url)
                continue
            if report is not None and report.state == ProgressReport.State.ACCEPTED:
                continue
            due = report_due_at(grants[0], month)
            words["date"] = local_date(due)
            if due < now:
                text = _("The %(which)s report for %(programme)s was due on %(date)s.")
                yield application.company_id, Reason("report_overdue", text % words, url)
            elif due - now <= REPORT_SOON:
                text = _("The %(which)s report for %(programme)s is due on %(date)s.")
                yield application.company_id, Reason("report_due", text % words, url)


def _applications(companies, now):
    for application in Application.objects.filter(
        company__in=companies, state=Application.State.SUBMITTED
    ).select_related("programme"):
        yield (
            application.company_id,
            Reason(
                "review",
                _("The application to %(programme)s waits for a decision.")
                % {"programme": application.programme},
                reverse("consultant_application", args=[application.pk]),
            ),
        )


def _handover_url(company_id, anchor):
    return reverse("diagnosis:handover", args=[company_id]) + f"#{anchor}"


def _endpoints(companies, now):
    for endpoint in Endpoint.objects.filter(
        company__in=companies, state__in=(Endpoint.State.FAILED, Endpoint.State.DEGRADED)
    ).only("pk", "company_id", "name", "state"):
        yield (
            endpoint.company_id,
            Reason(
                "endpoint_failing",
                _("Endpoint %(name)s: %(state)s.")
                % {"name": endpoint.name, "state": endpoint.get_state_display()},
                _handover_url(endpoint.company_id, "endpoints"),
            ),
        )


def _drift(companies, now):
    for alert in (
        HealthAlert.objects.filter(cleared_at__isnull=True, endpoint__company__in=companies)
        .exclude(endpoint__state=Endpoint.State.DELETED)
        .select_related("endpoint")
    ):
        company_id = alert.endpoint.company_id
        yield (
            company_id,
            Reason(
                "drift",
                _("Endpoint %(name)s: %(kind)s since %(date)s.")
                % {
                    "name": alert.endpoint.name,
                    "kind": alert.get_kind_display(),
                    "date": local_date(alert.raised_at),
                },
                _handover_url(company_id, "endpoints"),
            ),
        )


def _idle_grants(companies, now):
    """Grants in force for a while on which none of the company's work ran lately."""
    by_pool = defaultdict(list)
    for grant in Grant.objects.filter(
        company__in=companies, starts_at__lte=now - IDLE, ends_at__gt=now, guarantee_units__gt=0
    ).select_related("pool"):
        by_pool[grant.pool_id].append(grant)
    for grants in by_pool.values():
        pool = grants[0].pool
        intervals = work_intervals(now, pool=pool, company__in={g.company_id for g in grants})
        for grant in grants:
            if unit_hours_between(intervals, now - IDLE, now, company=grant.company_id) > 0:
                continue
            yield (
                grant.company_id,
                Reason(
                    "grant_idle",
                    _("Nothing ran on %(pool)s in %(days)s days: %(units)s guaranteed units idle.")
                    % {"pool": pool.name, "days": IDLE.days, "units": grant.guarantee_units},
                    reverse("diagnosis:officer_overview"),
                ),
            )


def _overdue_steps(companies, now):
    for row in (
        ActionItem.objects.overdue(today=timezone.localdate(now))
        .filter(company__in=companies)
        .values("company_id")
        .annotate(n=Count("pk"), since=Min("due_on"))
    ):
        yield (
            row["company_id"],
            Reason(
                "steps_overdue",
                ngettext(
                    "%(n)s step of the action plan is overdue (since %(date)s).",
                    "%(n)s steps of the action plan are overdue (the first since %(date)s).",
                    row["n"],
                )
                % {"n": row["n"], "date": local_date(row["since"])},
                reverse("diagnosis:consultant_plan", args=[row["company_id"]]),
            ),
        )
