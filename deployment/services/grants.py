"""Grants for approved applications: the programme's staged release on the pool of the
requested flavor that still has unpromised units for the whole term."""

import math
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

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
