"""Grants for approved applications: the programme's staged release on the pool of the
requested flavor that still has unpromised units for the whole term."""

import math
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import ComputePool, Grant
from deployment.services.allocation import grant_create
from onestop.services.programmes import CapacityShort


def issue_grant(application):
    programme = application.programme
    share = float(programme.staged_release_share)
    guarantee = max(1, math.ceil(application.units * share))
    starts = timezone.now()
    ends = starts + timedelta(days=365 * programme.term_years)
    for pool in ComputePool.objects.filter(flavor=application.flavor).order_by("pk"):
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


def grants_of(company):
    return Grant.objects.filter(company=company).select_related("pool").order_by("-starts_at")


def application_grant(application):
    return (
        Grant.objects.filter(application=application)
        .select_related("pool")
        .order_by("-starts_at")
        .first()
    )


def release_rest(application):
    """Staged release: the guarantee grows to the approved units if the pool can promise them
    for the rest of the grant. Returns whether it did."""
    from django.db import transaction
    from django.db.models import Sum

    from deployment.services.allocation import locked, schedule

    grant = application_grant(application)
    if grant is None or grant.guarantee_units >= application.units:
        return False
    with transaction.atomic():
        pool = locked(grant.pool)
        others = (
            Grant.objects.filter(pool=pool, starts_at__lt=grant.ends_at, ends_at__gt=timezone.now())
            .exclude(pk=grant.pk)
            .aggregate(total=Sum("guarantee_units"))["total"]
            or 0
        )
        if others + application.units > pool.capacity_units:
            return False
        Grant.objects.filter(pk=grant.pk).update(guarantee_units=application.units)
        schedule(pool, timezone.now())
    return True


def extend(application):
    """The +1 year for top performers, if the pool can promise the guarantee that long."""
    from django.db import transaction
    from django.db.models import Sum

    from deployment.services.allocation import locked

    grant = application_grant(application)
    if grant is None:
        raise ValidationError(_("This application has no grant to extend."))
    new_end = grant.ends_at + timedelta(days=365 * application.programme.extension_years)
    with transaction.atomic():
        pool = locked(grant.pool)
        others = (
            Grant.objects.filter(pool=pool, starts_at__lt=new_end, ends_at__gt=grant.ends_at)
            .exclude(pk=grant.pk)
            .aggregate(total=Sum("guarantee_units"))["total"]
            or 0
        )
        if others + grant.guarantee_units > pool.capacity_units:
            raise ValidationError(_("The pool cannot promise this guarantee for the extra year."))
        Grant.objects.filter(pk=grant.pk).update(ends_at=new_end)


def usage_share(application):
    """Use of the grant over its life so far, as a share of its guarantee."""
    from deployment.services.usage import used_unit_hours

    grant = application_grant(application)
    if grant is None:
        return 0.0
    now = timezone.now()
    owed = grant.guarantee_units * max(
        0.0, (min(now, grant.ends_at) - grant.starts_at).total_seconds() / 3600
    )
    return used_unit_hours(grant.company, grant.pool, grant.starts_at, now) / owed if owed else 0.0


def events_of(company, limit=20):
    """The company's latest admissions, preemptions and finishes: why its work ran or waited."""
    from deployment.models import AllocationEvent

    return AllocationEvent.objects.filter(company=company).select_related("workload", "pool")[
        :limit
    ]
