"""Staged release: a grant starts with the programme's share of the approved units, and the
first accepted progress report grows the guarantee to all of them, if the pool can promise
them for the rest of the grant."""

from django.db import transaction
from django.utils import timezone

from deployment.models import Grant
from deployment.programmes.grants import application_grant, units_promised_besides
from deployment.services.allocation import locked, schedule


def release_rest(application):
    """Grow the application's grant to the approved units. Returns whether it did."""
    grant = application_grant(application)
    if grant is None or grant.guarantee_units >= application.units:
        return False
    with transaction.atomic():
        pool = locked(grant.pool)
        others = units_promised_besides(grant, pool, timezone.now(), grant.ends_at)
        if others + application.units > pool.capacity_units:
            return False
        Grant.objects.filter(pk=grant.pk).update(guarantee_units=application.units)
        schedule(pool, timezone.now())
    return True
