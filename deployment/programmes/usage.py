"""Grant usage: the unit-hours a company's work held on a pool, read off the allocation
events (each workload holds its units from an admission to its next preemption or finish)."""

from collections import defaultdict

from django.utils import timezone

from deployment.models import AllocationEvent
from deployment.programmes.grants import application_grant


def events_until(until, **filters):
    return (
        AllocationEvent.objects.filter(at__lte=until, **filters)
        .select_related("workload")
        .order_by("at", "pk")
    )


def intervals_of(events, until):
    """(company id, start, end, units) for every stretch a workload held units, from the
    events in time order; a stretch still running ends at ``until``."""
    open_since, intervals = {}, []
    for event in events:
        if event.action == "admit":
            open_since[event.workload_id] = (event.company_id, event.at, event.workload.units)
        elif event.workload_id in open_since:
            company, start, units = open_since.pop(event.workload_id)
            intervals.append((company, start, event.at, units))
    intervals += [(company, start, until, units) for company, start, units in open_since.values()]
    return intervals


def pool_intervals(pool, until):
    """The stretches every company's work held units of the pool, up to ``until``."""
    return intervals_of(events_until(until, pool=pool), until)


def unit_hours_between(intervals, start, end, company=None):
    """Unit-hours of ``intervals`` inside [start, end], of one company or all."""
    total = 0.0
    for owner, begin, finish, units in intervals:
        if company is not None and owner != company:
            continue
        overlap = (min(finish, end) - max(begin, start)).total_seconds()
        if overlap > 0:
            total += units * overlap / 3600
    return total


def used_unit_hours(company, pool, start, end):
    """Unit-hours the company's work held on the pool inside [start, end]."""
    intervals = intervals_of(events_until(end, company=company, pool=pool), end)
    return unit_hours_between(intervals, start, end)


def used_unit_hours_by_grant(grants, start, end):
    """{grant pk: unit-hours its company's work held on its pool inside [start, end]}, for a
    page of grants from one query (not one per grant)."""
    grants = list(grants)
    if not grants:
        return {}
    events = events_until(
        end,
        company__in={grant.company_id for grant in grants},
        pool__in={grant.pool_id for grant in grants},
    )
    by_holder = defaultdict(list)
    for event in events:
        by_holder[event.company_id, event.pool_id].append(event)
    return {
        grant.pk: unit_hours_between(
            intervals_of(by_holder[grant.company_id, grant.pool_id], end), start, end
        )
        for grant in grants
    }


def usage_share(application):
    """Use of the application's grant over its life so far, as a share of its guarantee."""
    grant = application_grant(application)
    if grant is None:
        return 0.0
    now = timezone.now()
    owed = grant.guarantee_units * max(
        0.0, (min(now, grant.ends_at) - grant.starts_at).total_seconds() / 3600
    )
    return used_unit_hours(grant.company, grant.pool, grant.starts_at, now) / owed if owed else 0.0
