"""Endpoint usage read back: hourly roll-ups, summaries and chart series for the portal and the
officer dashboard, the grant's unit-hour budget, and Prometheus text for operators."""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deployment.models import Endpoint, EndpointUsage
from deployment.programmes.usage import used_unit_hours
from deployment.services.endpoints.queries import grant_for
from deployment.serving.tallies import BUCKETS_MS, add_buckets, percentile

MINUTE, HOUR, TOTAL = (
    EndpointUsage.Period.MINUTE,
    EndpointUsage.Period.HOUR,
    EndpointUsage.Period.TOTAL,
)
# Minute rows are kept this long after they are rolled into hours.
MINUTES_KEPT = timedelta(days=14)


def hour_of(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def empty():
    return [0, 0, 0.0, [], 0.0]


def accumulate(total, row):
    total[0] += row.requests
    total[1] += row.errors
    total[2] += row.compute_ms
    total[3] = add_buckets(total[3], row.latency_buckets)
    total[4] += row.latency_ms
    return total


def roll_up(now=None, lookback=timedelta(hours=48)):
    """Each finished hour's minutes summed into an hour row. Recomputed from the minutes, so
    running it twice, or late, gives the same rows. Returns the hour rows written."""
    now = now or timezone.now()
    current = hour_of(now)
    sums = {}
    minutes = EndpointUsage.objects.filter(
        period=MINUTE, start__gte=current - lookback, start__lt=current
    )
    for row in minutes.iterator():
        key = (row.endpoint_id, hour_of(row.start))
        accumulate(sums.setdefault(key, empty()), row)
    with transaction.atomic():
        for (endpoint_id, start), (
            requests,
            errors,
            compute_ms,
            buckets,
            latency_ms,
        ) in sums.items():
            EndpointUsage.objects.update_or_create(
                endpoint_id=endpoint_id,
                period=HOUR,
                start=start,
                defaults={
                    "requests": requests,
                    "errors": errors,
                    "compute_ms": compute_ms,
                    "latency_buckets": buckets,
                    "latency_ms": latency_ms,
                },
            )
        for endpoint_id in {endpoint_id for endpoint_id, _start in sums}:
            write_total(endpoint_id, current)
        EndpointUsage.objects.filter(period=MINUTE, start__lt=now - MINUTES_KEPT).delete()
    return len(sums)


def write_total(endpoint_id, rolled_until):
    """The endpoint's lifetime totals from its hour rows, so a scrape reads one row per endpoint
    (and the minutes since ``rolled_until``) however long the history."""
    total = empty()
    for row in EndpointUsage.objects.filter(endpoint_id=endpoint_id, period=HOUR):
        accumulate(total, row)
    requests, errors, compute_ms, buckets, latency_ms = total
    EndpointUsage.objects.update_or_create(
        endpoint_id=endpoint_id,
        period=TOTAL,
        defaults={
            "start": rolled_until,
            "requests": requests,
            "errors": errors,
            "compute_ms": compute_ms,
            "latency_buckets": buckets,
            "latency_ms": latency_ms,
        },
    )


def rolled_until():
    """The end of the last hour the roll-up has summed (None before its first run)."""
    return (
        EndpointUsage.objects.filter(period=TOTAL)
        .order_by("-start")
        .values_list("start", flat=True)
        .first()
    )


def summarise(rows):
    """Totals and percentiles over usage rows (any mix of one period)."""
    total = empty()
    for row in rows:
        accumulate(total, row)
    requests, errors, compute_ms, buckets, _latency_ms = total
    return {
        "requests": requests,
        "errors": errors,
        "error_share": errors / requests if requests else 0.0,
        "compute_seconds": compute_ms / 1000,
        "p50_ms": percentile(buckets, 0.50),
        "p95_ms": percentile(buckets, 0.95),
        "p99_ms": percentile(buckets, 0.99),
    }


def last_day(endpoint, hours=24, now=None):
    """(summary, per-hour points oldest first, hours without requests as zeros) over the last
    ``hours`` hours of one endpoint, from one read of its minute rows."""
    now = now or timezone.now()
    first = hour_of(now) - timedelta(hours=hours - 1)
    since = now - timedelta(hours=hours)
    by_hour, window = defaultdict(list), []
    minutes = EndpointUsage.objects.filter(
        endpoint=endpoint, period=MINUTE, start__gte=min(first, since)
    )
    for row in minutes:
        if row.start >= since:
            window.append(row)
        if row.start >= first:
            by_hour[hour_of(row.start)].append(row)
    points = []
    for index in range(hours):
        start = first + timedelta(hours=index)
        points.append({"hour": start.isoformat(), **summarise(by_hour.get(start, []))})
    return summarise(window), points


def budget(endpoint, now=None):
    """The grant the endpoint runs on: its unit-hour budget and what the company has used of it
    on that pool (replicas count for as long as they hold their units)."""
    now = now or timezone.now()
    grant = grant_for(endpoint, now)
    if grant is None:
        return None
    used = used_unit_hours(endpoint.company, grant.pool, grant.starts_at, now)
    return {
        "grant": grant,
        "budget": grant.unit_hours_budget,
        "used": used,
        "share": used / grant.unit_hours_budget if grant.unit_hours_budget else None,
    }


def company_overview(companies=None, hours=24, now=None):
    """Per endpoint over the last ``hours`` (to the hour): the officer dashboard's serving
    table."""
    now = now or timezone.now()
    endpoints = Endpoint.objects.exclude(state=Endpoint.State.DELETED).select_related(
        "company", "version__family", "pool"
    )
    if companies is not None:
        endpoints = endpoints.filter(company__in=companies)
    # Rolled hours from their hour rows, the rest from minutes: a busy endpoint costs 24 rows
    # and the minutes since the last roll-up, not 1,440 minutes.
    since, rolled = now - timedelta(hours=hours), rolled_until()
    recent_minutes = Q(period=MINUTE, start__gte=max(since, rolled) if rolled else since)
    usage = EndpointUsage.objects.filter(endpoint__in=endpoints).filter(
        recent_minutes | Q(period=HOUR, start__gte=since, start__lt=rolled or since)
    )
    rows = defaultdict(list)
    for row in usage:
        rows[row.endpoint_id].append(row)
    return [
        {"endpoint": endpoint, **summarise(rows.get(endpoint.pk, []))}
        for endpoint in endpoints.order_by("company__name", "name")
    ]


def totals():
    """Lifetime totals per live endpoint: its total row plus the minutes after the roll-up."""
    result = defaultdict(empty)
    live = Endpoint.objects.exclude(state=Endpoint.State.DELETED)
    rolled = rolled_until()
    minutes = Q(period=MINUTE, start__gte=rolled) if rolled else Q(period=MINUTE)
    for row in EndpointUsage.objects.filter(endpoint__in=live).filter(Q(period=TOTAL) | minutes):
        accumulate(result[row.endpoint_id], row)
    return result


def prometheus_text():
    """The Prometheus exposition format: request counters and latency histograms per endpoint
    (from the database, so every serving process is counted), endpoints per state."""
    endpoints = {
        e.pk: e for e in Endpoint.objects.select_related("company").exclude(state="deleted")
    }
    lines = [
        "# HELP onestop_endpoint_requests_total Inference requests answered, per endpoint.",
        "# TYPE onestop_endpoint_requests_total counter",
    ]
    counted = {pk: t for pk, t in totals().items() if pk in endpoints}

    def labels(endpoint, extra=""):
        company = (
            endpoint.company.name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        )
        return f'{{endpoint="{endpoint.name}",company="{company}"{extra}}}'

    for pk, total in counted.items():
        lines.append(f"onestop_endpoint_requests_total{labels(endpoints[pk])} {total[0]}")
    lines += [
        "# HELP onestop_endpoint_errors_total Requests answered with an error, per endpoint.",
        "# TYPE onestop_endpoint_errors_total counter",
    ]
    for pk, total in counted.items():
        lines.append(f"onestop_endpoint_errors_total{labels(endpoints[pk])} {total[1]}")
    lines += [
        "# HELP onestop_endpoint_compute_seconds_total Time the models ran, per endpoint.",
        "# TYPE onestop_endpoint_compute_seconds_total counter",
    ]
    for pk, total in counted.items():
        seconds = total[2] / 1000
        lines.append(f"onestop_endpoint_compute_seconds_total{labels(endpoints[pk])} {seconds:.6f}")
    lines += [
        "# HELP onestop_endpoint_request_seconds Request latency, per endpoint.",
        "# TYPE onestop_endpoint_request_seconds histogram",
    ]
    for pk, total in counted.items():
        endpoint, buckets = endpoints[pk], add_buckets(total[3], [])
        running = 0
        for bound, count in zip((*BUCKETS_MS, None), buckets, strict=True):
            running += count
            le = "+Inf" if bound is None else f"{bound / 1000:g}"
            le_label = ',le="' + le + '"'
            lines.append(
                f"onestop_endpoint_request_seconds_bucket{labels(endpoint, le_label)} {running}"
            )
        lines.append(f"onestop_endpoint_request_seconds_count{labels(endpoint)} {running}")
        lines.append(
            f"onestop_endpoint_request_seconds_sum{labels(endpoint)} {total[4] / 1000:.6f}"
        )
    lines += [
        "# HELP onestop_endpoints Endpoints per state.",
        "# TYPE onestop_endpoints gauge",
    ]
    per_state = defaultdict(int)
    for endpoint in endpoints.values():
        per_state[endpoint.state] += 1
    for state in Endpoint.State.values:
        if state != "deleted":
            lines.append(f'onestop_endpoints{{state="{state}"}} {per_state[state]}')
    return "\n".join(lines) + "\n"


def usage_between(endpoints, start, end):
    """[requests, errors, compute ms, latency buckets, latency ms] of ``endpoints`` inside
    [start, end): hour rows where an hour was rolled up, its minute rows where not yet (so
    nothing is counted twice)."""
    total = empty()
    rows = EndpointUsage.objects.filter(endpoint__in=endpoints, start__gte=start, start__lt=end)
    rolled = set()
    for row in rows.filter(period=EndpointUsage.Period.HOUR):
        rolled.add((row.endpoint_id, row.start))
        accumulate(total, row)
    for row in rows.filter(period=EndpointUsage.Period.MINUTE):
        if (row.endpoint_id, hour_of(row.start)) not in rolled:
            accumulate(total, row)
    return total
