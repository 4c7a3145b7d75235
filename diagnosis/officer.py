"""The programme officer's view of the whole desk: how much of each pool is promised and used,
who sits on idle grants, how long approval takes to become a running model, what was reclaimed
or cut, who waits, and how companies move from diagnosis to a first endpoint."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Min, Sum
from django.utils import timezone

from deployment.models import AllocationEvent, ComputePool, Grant, UsageReview, Workload
from deployment.programmes.usage import pool_work_intervals, unit_hours_between
from diagnosis.models import Assessment
from diagnosis.outcomes import programme_outcomes
from diagnosis.skills.outcomes import skills_by_programme
from onestop.models import Application
from onestop.roles import companies_seen_by

WINDOW_DAYS = 30
WEEKS = 8


@dataclass
class PoolRow:
    pool: object
    guaranteed: int
    running: int
    used_share: float  # allocated unit-hours ÷ capacity over the window
    promised_share: float
    weekly: list = field(default_factory=list)  # used share per week, oldest first


@dataclass
class CompanyRow:
    grant: object
    used_share: float  # of its guarantee over the window
    idle_days: int  # since the grant started
    days_to_first_run: float | None
    reclaims: int
    cuts: int
    weekly: list = field(default_factory=list)  # share of the guarantee used per week


def officer_overview(user, now=None):
    now = now or timezone.now()
    companies = companies_seen_by(user)
    window_start = now - timedelta(days=WINDOW_DAYS)
    pools, company_rows = [], []
    grants = list(
        Grant.objects.filter(company__in=companies, ends_at__gt=now - timedelta(days=WINDOW_DAYS))
        .select_related("company", "pool", "application")
        .order_by("pool", "company__name")
    )
    first_admits = dict(
        AllocationEvent.objects.filter(action="admit", company__in=companies)
        .values_list("company")
        .annotate(first=Min("at"))
    )
    reclaims = {}
    for event in AllocationEvent.objects.filter(
        reason="reclaim", company__in=companies, at__gte=window_start
    ):
        reclaims[event.company_id] = reclaims.get(event.company_id, 0) + 1
    cuts = {}
    for review in UsageReview.objects.filter(
        grant__company__in=companies, cut_share__gt=0, exempted=False
    ):
        cuts[review.grant.company_id] = cuts.get(review.grant.company_id, 0) + 1
    for pool in (
        ComputePool.objects.filter(grants__company__in=companies).distinct().order_by("name")
    ):
        intervals = pool_work_intervals(pool, now)
        capacity_hours = pool.capacity_units * WINDOW_DAYS * 24
        active = [g for g in grants if g.pool_id == pool.pk and g.starts_at <= now < g.ends_at]
        weekly = []
        for week in range(WEEKS, 0, -1):
            start = now - timedelta(days=7 * week)
            used = unit_hours_between(intervals, start, start + timedelta(days=7))
            weekly.append(
                round(used / (pool.capacity_units * 7 * 24), 4) if pool.capacity_units else 0
            )
        pools.append(
            PoolRow(
                pool=pool,
                guaranteed=sum(g.guarantee_units for g in active),
                running=Workload.objects.filter(pool=pool, state="running").aggregate(
                    n=Sum("units")
                )["n"]
                or 0,
                used_share=round(
                    unit_hours_between(intervals, window_start, now) / capacity_hours, 4
                )
                if capacity_hours
                else 0,
                promised_share=round(
                    sum(g.guarantee_units for g in active) / pool.capacity_units, 4
                )
                if pool.capacity_units
                else 0,
                weekly=weekly,
            )
        )
        for grant in (g for g in grants if g.pool_id == pool.pk):
            start = max(grant.starts_at, window_start)
            owed = grant.guarantee_units * max(0.0, (now - start).total_seconds() / 3600)
            used = unit_hours_between(intervals, start, now, company=grant.company_id)
            company_rows.append(
                CompanyRow(
                    grant=grant,
                    used_share=round(used / owed, 4) if owed else 0.0,
                    idle_days=idle_days(intervals, grant, now),
                    days_to_first_run=days_between(
                        grant.application.decided_at if grant.application_id else grant.starts_at,
                        first_admits.get(grant.company_id),
                    ),
                    reclaims=reclaims.get(grant.company_id, 0),
                    cuts=cuts.get(grant.company_id, 0),
                    weekly=weekly_use(intervals, grant, now),
                )
            )
    return {
        "pools": pools,
        "companies": company_rows,
        "waitlist": Application.objects.filter(
            company__in=companies, state=Application.State.WAITLISTED
        )
        .select_related("company", "programme")
        .order_by("decided_at", "pk"),
        "funnel": funnel(companies),
        "outcomes": programme_outcomes(companies),
        "skills": skills_by_programme(companies),
        "window_days": WINDOW_DAYS,
        "endpoints": serving_overview(companies, now=now),
    }


def serving_overview(companies, now):
    """Each endpoint's last 24 hours, for the officer's serving table."""
    from deployment.services.endpoint_usage import company_overview

    return company_overview(companies, hours=24, now=now)


def weekly_use(intervals, grant, now):
    week_hours = 7 * 24
    shares = []
    for week in range(WEEKS, 0, -1):
        start = now - timedelta(days=7 * week)
        used = unit_hours_between(
            intervals, start, start + timedelta(days=7), company=grant.company_id
        )
        owed = grant.guarantee_units * week_hours
        shares.append(round(used / owed, 4) if owed else 0.0)
    return shares


def idle_days(intervals, grant, now):
    """Whole days since the grant started on which none of the company's work held units:
    one pass over its intervals instead of one per day."""
    start, end = grant.starts_at, min(now, grant.ends_at)
    total = int((end - start).total_seconds() // 86400)
    busy = set()
    for owner, begin, finish, _units in intervals:
        if owner != grant.company_id or finish <= start or begin >= end:
            continue
        first = int((max(begin, start) - start).total_seconds() // 86400)
        # A stretch ending exactly at midnight does not make the next day busy.
        last = int(((min(finish, end) - start).total_seconds() - 1e-6) // 86400)
        busy.update(d for d in range(first, last + 1) if d < total)
    return total - len(busy)


def days_between(start, end):
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 86400, 1)


def funnel(companies):
    diagnosed = (
        Assessment.objects.filter(company__in=companies)
        .submitted()
        .values("company")
        .distinct()
        .count()
    )
    applied = Application.objects.filter(company__in=companies).values("company").distinct().count()
    granted = Grant.objects.filter(company__in=companies).values("company").distinct().count()
    running = (
        AllocationEvent.objects.filter(company__in=companies, action="admit")
        .values("company")
        .distinct()
        .count()
    )
    return [
        ("diagnosis", diagnosed),
        ("application", applied),
        ("grant", granted),
        ("first_run", running),
    ]
