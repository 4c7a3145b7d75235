"""Compute pools: registered and changed by their provider, and kept known to be up by a
heartbeat (the provider's, or this server's own for the pools it serves itself)."""

import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import ComputePool
from onestop.constraints import constraint_refuses
from onestop.services.audit import audit_record, audit_snapshot, audited_update

POOL_FIELDS = (
    "name",
    "flavor",
    "purpose",
    "capacity_units",
    "h100_factor",
    "price_per_unit_hour",
    "region",
    "runtime",
)


@transaction.atomic
def pool_create(*, provider, user=None, api_key=None, **fields):
    pool = ComputePool(provider=provider, **fields)
    if constraint_refuses(pool, "pool_unique_per_provider"):
        raise ValidationError({"name": [_("You already have a pool with this name.")]})
    pool.full_clean()
    pool.save()
    audit_record(
        action="pool.create",
        target=pool,
        actor=user,
        api_key=api_key,
        after=audit_snapshot(pool),
        partner=provider,
    )
    return pool


def pool_update(*, pool, fields, user=None, api_key=None):
    return audited_update(
        instance=pool,
        allowed=POOL_FIELDS,
        fields=fields,
        action="pool.update",
        actor=user,
        api_key=api_key,
        partner=pool.provider,
    )


def pool_heartbeat(*, pool, report):
    """Record that ``pool`` is up, with what it reports (free units, utilisation, a message),
    under a lock on its row so that a capacity change meanwhile is checked against. Refused
    when the report claims more free units than the pool has."""
    with transaction.atomic():
        pool = ComputePool.objects.select_for_update().get(pk=pool.pk)
        if report["free_units"] > pool.capacity_units:
            raise ValidationError({"free_units": [_("More free units than the pool's capacity.")]})
        pool.last_heartbeat = timezone.now()
        pool.heartbeat = report
        pool.save(update_fields=["last_heartbeat", "heartbeat"])
    return pool


def local_heartbeat():
    """The heartbeat of the pools this server serves itself: all units free, the machine's
    load as utilisation. Returns how many pools reported."""
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    count = 0
    for pool in ComputePool.objects.filter(local=True):
        report = {
            "free_units": pool.capacity_units,
            "utilisation": round(min(1.0, load), 3),
            "message": "served by this server",
        }
        pool_heartbeat(pool=pool, report=report)
        count += 1
    return count
