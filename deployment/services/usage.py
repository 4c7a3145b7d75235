"""Metering and use it or lose it. Usage is read off the allocation events (each workload runs
from an admission to its next preemption or finish); each quarter of a grant, after the
programme's grace period, usage is compared with the company's own plan and the guarantee is
cut by the programme's scale, unless an officer accepted an exemption. Units given back go to
the waitlist at once."""

import math
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import AllocationEvent, Exemption, Grant, UsageReview
from onestop.models import Programme
from onestop.services.audit import audit_record
from onestop.services.notices import notify_company
from onestop.services.programmes import waitlist_advance

QUARTER = timedelta(days=91)
HOURS_PER_QUARTER = 91 * 24


def running_intervals(company, pool, until):
    """(start, end, units) for every stretch a workload of the company held units of the pool."""
    open_since = {}
    intervals = []
    events = (
        AllocationEvent.objects.filter(company=company, pool=pool, at__lte=until)
        .select_related("workload")
        .order_by("at", "pk")
    )
    for event in events:
        key = event.workload_id
        if event.action == "admit":
            open_since[key] = (event.at, event.workload.units)
        elif key in open_since:
            start, units = open_since.pop(key)
            intervals.append((start, event.at, units))
    intervals += [(start, until, units) for start, units in open_since.values()]
    return intervals


def used_unit_hours(company, pool, start, end):
    total = 0.0
    for begin, finish, units in running_intervals(company, pool, end):
        overlap = (min(finish, end) - max(begin, start)).total_seconds()
        if overlap > 0:
            total += units * overlap / 3600
    return total


def cut_for(scale, used_share):
    for step in sorted(scale, key=lambda s: -s["used_at_least"]):
        if used_share >= step["used_at_least"]:
            return step["cut"]
    return 0.0


def review_usage(now=None):
    """Every finished quarter of every grant past its grace period, reviewed once."""
    now = now or timezone.now()
    reviewed = []
    for grant in Grant.objects.select_related("pool", "company", "application__programme").filter(
        ends_at__gt=now - QUARTER
    ):
        programme = grant.application.programme if grant.application_id else None
        grace = timedelta(days=programme.grace_days if programme else 60)
        quarter = 0
        while grant.starts_at + QUARTER * (quarter + 1) <= now:
            start = grant.starts_at + QUARTER * quarter
            if (
                start + QUARTER > grant.starts_at + grace
                and not grant.reviews.filter(quarter=quarter).exists()
            ):
                reviewed.append(review_quarter(grant, quarter, programme, start, now))
            quarter += 1
    # Units given back by cuts or by grants that ended go to the waitlist at once.
    waitlist_advance()
    return reviewed


def review_quarter(grant, quarter, programme, start, now):
    plan = grant.application.quarterly_plan if grant.application_id else []
    planned = plan[quarter] if quarter < len(plan) else grant.guarantee_units * HOURS_PER_QUARTER
    used = used_unit_hours(grant.company, grant.pool, start, start + QUARTER)
    share = used / planned if planned else 1.0
    scale = (
        programme.reduction_scale
        if programme
        else Programme._meta.get_field("reduction_scale").default()
    )
    cut = cut_for(scale, share)
    exempted = Exemption.objects.filter(
        grant=grant, quarter=quarter, state=Exemption.State.ACCEPTED
    ).exists()
    before = grant.guarantee_units
    # Whole units are cut, rounding in the company's favour.
    after = before if exempted else before - math.floor(before * cut)
    with transaction.atomic():
        review = UsageReview.objects.create(
            grant=grant,
            quarter=quarter,
            planned_unit_hours=int(planned),
            used_unit_hours=round(used),
            used_share=round(share, 4),
            cut_share=cut,
            guarantee_before=before,
            guarantee_after=after,
            exempted=exempted,
        )
        if after != before:
            Grant.objects.filter(pk=grant.pk).update(guarantee_units=after)
            grant.guarantee_units = after
            notify_company(
                grant.company,
                _("Your guarantee was reduced"),
                _(
                    "In quarter %(q)s you used %(share)s of the unit-hours you planned, so your "
                    "guarantee on %(pool)s goes from %(before)s to %(after)s units under the "
                    "programme's rules. Ask for an exemption before the next review if use will be "
                    "low for a reason."
                )
                % {
                    "q": quarter + 1,
                    "share": f"{share * 100:.0f}%",
                    "pool": grant.pool.name,
                    "before": before,
                    "after": after,
                },
            )
        audit_record(
            action="grant.usage_review",
            target=grant,
            before={"guarantee_units": before},
            after={
                "guarantee_units": after,
                "quarter": quarter + 1,
                "used_share": review.used_share,
            },
            company=grant.company,
        )
    return review


def pool_intervals(pool, until):
    """(company id, start, end, units) for every stretch any workload held units of the pool."""
    open_since, intervals = {}, []
    events = (
        AllocationEvent.objects.filter(pool=pool, at__lte=until)
        .select_related("workload")
        .order_by("at", "pk")
    )
    for event in events:
        if event.action == "admit":
            open_since[event.workload_id] = (event.company_id, event.at, event.workload.units)
        elif event.workload_id in open_since:
            company, start, units = open_since.pop(event.workload_id)
            intervals.append((company, start, event.at, units))
    intervals += [(company, start, until, units) for company, start, units in open_since.values()]
    return intervals


def unit_hours_between(intervals, start, end, company=None):
    total = 0.0
    for owner, begin, finish, units in intervals:
        if company is not None and owner != company:
            continue
        overlap = (min(finish, end) - max(begin, start)).total_seconds()
        if overlap > 0:
            total += units * overlap / 3600
    return total
