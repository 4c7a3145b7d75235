"""A grant for an approved application: the programme's staged share of the requested units,
on the first pool of the requested flavor that can still promise them for the whole term."""

import math
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from deployment.models import AllocationEvent, ComputePool, Grant
from deployment.services.allocation import grant_create


class CapacityShort(Exception):
    """No pool of the flavor has enough unpromised units for the grant."""


def grant_issue(*, application):
    """The grant, or CapacityShort when every pool of the flavor is fully promised or cannot
    take work now (its cluster does not answer): the application waits for either to change."""
    programme = application.programme
    share = float(programme.staged_release_share)
    guarantee = max(1, math.ceil(application.units * share))
    starts = timezone.now()
    ends = starts + timedelta(days=365 * programme.term_years)
    pools = list(
        ComputePool.objects.filter(flavor=application.flavor, unavailable_reason="").order_by("pk")
    )
    # The pool of the match the company chose goes first, so the grant is where it deploys.
    chosen = (application.evidence or {}).get("match", {}).get("pool_id")
    pools.sort(key=lambda pool: pool.pk != chosen)
    for pool in pools:
        try:
            return grant_create(
                company=application.company,
                pool=pool,
                guarantee_units=guarantee,
                starts_at=starts,
                ends_at=ends,
                unit_hours_budget=sum(application.quarterly_plan),
                application_id=application.pk,
            )
        except ValidationError:
            continue
    raise CapacityShort(application.flavor)


def application_grant(application):
    """The latest grant made for ``application``, or None."""
    return (
        Grant.objects.filter(application=application)
        .select_related("pool")
        .order_by("-starts_at")
        .first()
    )


def units_promised_besides(grant, pool, start, end):
    """Guaranteed units the pool's other grants promise at some time between start and end."""
    others = Grant.objects.filter(pool=pool, starts_at__lt=end, ends_at__gt=start).exclude(
        pk=grant.pk
    )
    return others.aggregate(total=Sum("guarantee_units"))["total"] or 0


def grants_of(company):
    return Grant.objects.filter(company=company).select_related("pool").order_by("-starts_at")


def events_of(company, limit=20):
    """The company's latest admissions, preemptions and finishes: why its work ran or waited."""
    return AllocationEvent.objects.filter(company=company).select_related("workload", "pool")[
        :limit
    ]
