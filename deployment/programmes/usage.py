"""Grant usage: the unit-hours a company's work held on a pool, read off the allocation
events (each workload holds its units from an admission to its next preemption or finish),
and the unit-hours of work it did (``worked_unit_hours``): what use it or lose it and the
officer's utilisation page count. A job works while it holds its units; an endpoint's replicas
work only while they run requests (the compute time metered per minute), so a ready endpoint
with no traffic is idle, not fully used."""

from collections import defaultdict
from datetime import timedelta

from django.utils import timezone

from deployment.models import AllocationEvent, EndpointUsage
from deployment.programmes.grants import application_grant


def events_until(until, **filters):
    return (
        AllocationEvent.objects.filter(at__lte=until, **filters)
        .select_related("workload")
        .order_by("at", "pk")
    )


def intervals_of(events, until, *, endpoints=True):
    """(company id, start, end, units) for every stretch a workload held units, from the
    events in time order; a stretch still running ends at ``until``. ``endpoints=False``
    leaves out endpoints' replicas."""
    open_since, intervals = {}, []
    for event in events:
        if not endpoints and event.workload.endpoint_id is not None:
            continue
        if event.action == "admit":
            open_since[event.workload_id] = (event.company_id, event.at, event.workload.units)
        elif event.workload_id in open_since:
            company, start, units = open_since.pop(event.workload_id)
            intervals.append((company, start, event.at, units))
    intervals += [(company, start, until, units) for company, start, units in open_since.values()]
    return intervals


def busy_intervals(until, **filters):
    """(company id, start, start + busy time, units per replica) for each hour (and each
    minute not yet summed into an hour) an endpoint's replicas ran requests; ``filters`` as
    for the allocation events (company, pool, or their ``__in`` forms)."""
    rolled = (
        EndpointUsage.objects.filter(period=EndpointUsage.Period.TOTAL)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )
    scoped = EndpointUsage.objects.filter(
        start__lt=until, compute_ms__gt=0, **{f"endpoint__{k}": v for k, v in filters.items()}
    )
    hours = scoped.filter(period=EndpointUsage.Period.HOUR)
    minutes = scoped.filter(period=EndpointUsage.Period.MINUTE)
    if rolled is not None:
        minutes = minutes.filter(start__gte=rolled)
    rows = (hours | minutes).values_list(
        "endpoint__company_id", "start", "compute_ms", "endpoint__units_per_replica"
    )
    return [
        (company, start, start + timedelta(milliseconds=busy_ms), units)
        for company, start, busy_ms, units in rows
    ]


def work_intervals(until, **filters):
    """The stretches of work: jobs' held units, and endpoints' busy time."""
    held = intervals_of(events_until(until, **filters), until, endpoints=False)
    return held + busy_intervals(until, **filters)


def pool_work_intervals(pool, until):
    return work_intervals(until, pool=pool)


def worked_unit_hours(company, pool, start, end):
    """Unit-hours of work the company did on the pool inside [start, end]."""
    return unit_hours_between(work_intervals(end, company=company, pool=pool), start, end)


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
