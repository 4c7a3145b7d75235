from django.db import transaction

from deployment.models import ComputePool
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


def local_heartbeat():
    import os

    from django.utils import timezone

    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    count = 0
    for pool in ComputePool.objects.filter(local=True):
        pool.last_heartbeat = timezone.now()
        pool.heartbeat = {
            "free_units": pool.capacity_units,
            "utilisation": round(min(1.0, load), 3),
            "message": "served by this server",
        }
        pool.save(update_fields=["last_heartbeat", "heartbeat"])
        count += 1
    return count
