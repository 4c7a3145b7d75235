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
