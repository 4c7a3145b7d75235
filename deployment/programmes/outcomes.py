"""What a progress report's period achieved, measured rather than told: requests served,
availability and p95 latency of the company's endpoints on the grant's pool, and unit-hours
used against the plan (the KPI the firm chose comes from Diagnosis, ``diagnosis.evidence``).
The report opens with these, and keeps them as they were when it was sent, so officers score
with them beside the text."""

from datetime import timedelta

from django.db.models import F

from deployment.health.accuracy import REGRESSION_TASKS
from deployment.models import Endpoint, HealthAlert, PredictionRecord
from deployment.programmes.usage import used_unit_hours
from deployment.programmes.usage_review import QUARTER, planned_unit_hours
from deployment.services.endpoint_usage import usage_between
from deployment.serving.tallies import percentile
from onestop.dates import local_date
from onestop.services.programmes import report_months

MONTH = timedelta(days=30)


def report_period(application, grant, month):
    """[start, end) of the report for ``month``: from the previous report's month (or the
    grant's start) to this one's (the grant's end for the final report)."""
    months = sorted(m for m in report_months(application) if m)
    earlier = [m for m in months if m < month] if month else months
    start = grant.starts_at + MONTH * (earlier[-1] if earlier else 0)
    end = grant.ends_at if month == 0 else grant.starts_at + MONTH * month
    return start, end


def planned_between(grant, start, end):
    """The plan's unit-hours for [start, end), each quarter's share by its overlap."""
    total, quarter = 0.0, 0
    while grant.starts_at + QUARTER * quarter < end:
        q_start = grant.starts_at + QUARTER * quarter
        q_end = q_start + QUARTER
        overlap = (min(q_end, end) - max(q_start, start)) / QUARTER
        if overlap > 0:
            total += planned_unit_hours(grant, quarter) * overlap
        quarter += 1
    return total


def report_facts(application, month, now=None):
    """The measured facts of one report's period, so far (up to ``now``); {} without a grant."""
    from django.utils import timezone

    now = now or timezone.now()
    grant = application.grants.select_related("pool").order_by("starts_at").first()
    if grant is None:
        return {}
    start, end = report_period(application, grant, month)
    until = min(end, now)
    endpoints = Endpoint.objects.filter(company=application.company, pool=grant.pool)
    requests, errors, _compute, buckets, _latency = usage_between(endpoints, start, until)
    planned = planned_between(grant, start, until)
    used = used_unit_hours(application.company, grant.pool, start, until)
    p95 = percentile(buckets, 0.95)
    return {
        "from": local_date(start),
        "to": local_date(until),
        "pool": grant.pool.name,
        "requests": requests,
        "availability": round(1 - errors / requests, 4) if requests else None,
        "p95_ms": round(p95, 1) if p95 is not None else None,
        "unit_hours_used": round(used, 1),
        "unit_hours_planned": round(planned, 1),
        "used_share": round(used / planned, 3) if planned else None,
        **health_facts(endpoints, start, until),
    }


def health_facts(endpoints, start, until):
    """Labels reported for the period's answers, the share the models got right (classifiers
    only: a regression's answer is never exactly its label), and the alerts raised."""
    labelled = PredictionRecord.objects.filter(
        endpoint__in=endpoints, labelled_at__isnull=False, at__gte=start, at__lt=until
    ).exclude(endpoint__version__family__task__in=REGRESSION_TASKS)
    labels = labelled.count()
    right = labelled.filter(predicted=F("label")).count() if labels else 0
    alerts = HealthAlert.objects.filter(
        endpoint__in=endpoints, raised_at__gte=start, raised_at__lt=until
    )
    return {
        "labels": labels,
        "labels_right": right,
        "accuracy": round(right / labels, 4) if labels else None,
        "drift_alerts": alerts.filter(kind=HealthAlert.Kind.DRIFT).count(),
        "accuracy_alerts": alerts.filter(kind=HealthAlert.Kind.ACCURACY).count(),
    }
