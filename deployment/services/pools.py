"""Compute pools: registered and changed by their provider, and kept known to be up by a
heartbeat: read from the pool's Ray cluster, sent by the provider, or this server's own for
the pools it serves itself."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.compute import ray_cluster, serve_apps
from deployment.models import ComputePool, TrainingJob
from deployment.notices import pool_unavailable_notice
from deployment.programmes.waitlist import waitlist_advance
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
    "cluster_dashboard_url",
    "cluster_serve_url",
    "cluster_token",
)
logger = logging.getLogger(__name__)
# Clusters read at once by a heartbeat run: each read waits on the network, not the CPU.
CLUSTERS_READ_AT_ONCE = 16


@transaction.atomic
def pool_create(*, provider, user=None, api_key=None, **fields):
    pool = ComputePool(provider=provider, **fields)
    check_cluster_address(pool)
    if pool.on_cluster:
        pool.unavailable_reason = not_read_yet()
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
    check_cluster_address(ComputePool(**{k: v for k, v in fields.items() if k in CLUSTER_FIELDS}))
    moved = "cluster_dashboard_url" in fields and origin(fields["cluster_dashboard_url"]) != origin(
        pool.cluster_dashboard_url
    )
    if moved and "cluster_token" not in fields:
        # The token was given for the old address: it never goes to a new one unasked.
        fields = {**fields, "cluster_token": ""}
    pool = audited_update(
        instance=pool,
        allowed=POOL_FIELDS,
        fields=fields,
        action="pool.update",
        actor=user,
        api_key=api_key,
        partner=pool.provider,
    )
    if moved:
        # Whatever was read from the old address says nothing of the new one.
        pool.unavailable_reason = not_read_yet() if pool.on_cluster else ""
        ComputePool.objects.filter(pk=pool.pk).update(unavailable_reason=pool.unavailable_reason)
    return pool


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
        pool.unavailable_reason = ""
        pool.save(update_fields=["last_heartbeat", "heartbeat", "unavailable_reason"])
    return pool


def pool_reported_heartbeat(*, pool, report):
    """A heartbeat the provider sends by API: refused for a pool whose state OneStop reads
    from its Ray cluster, so that the cluster stays the one source of truth."""
    if pool.on_cluster:
        raise ValidationError(
            _("This pool's heartbeat is read from its Ray cluster; there is nothing to send.")
        )
    return pool_heartbeat(pool=pool, report=report)


def cluster_heartbeat(*, pool):
    """Read ``pool``'s Ray cluster and record what it says; a cluster that does not answer
    makes the pool unavailable, with the reason, until it answers again."""
    return record_reading(pool, read_cluster(pool))


def clusters_heartbeat():
    """Every Ray-backed pool's heartbeat, read from its cluster. Returns how many answered.
    The clusters are read at the same time (HTTP only, no database), so a few silent ones
    cost one timeout, not one each, and cannot keep the others from being read in the run."""
    pools = list(ComputePool.objects.exclude(cluster_dashboard_url=""))
    if not pools:
        return 0
    answered = 0
    with ThreadPoolExecutor(min(CLUSTERS_READ_AT_ONCE, len(pools)), "cluster-reads") as reads:
        for pool, reading in zip(pools, reads.map(read_cluster, pools), strict=True):
            try:
                answered += record_reading(pool, reading).is_available
            except SoftTimeLimitExceeded:
                raise
            except Exception as exc:  # one pool's fault must not keep the others from reporting
                logger.error("heartbeat of pool %s failed: %s", pool.pk, type(exc).__name__)
    return answered


def read_cluster(pool):
    """What the pool's cluster says: a ``ClusterState``, or the ``ClusterUnreachable`` that
    says why not. Touches no database, so it may run in any thread."""
    try:
        return ray_cluster.read_state(
            pool.cluster_dashboard_url, pool.cluster_token, pool.ray_resource
        )
    except ray_cluster.ClusterUnreachable as exc:
        return exc


def record_reading(pool, reading):
    from deployment.services.endpoints.cluster import cluster_away

    if isinstance(reading, ray_cluster.ClusterUnreachable):
        # Only for the address and token that were read: the provider may have mended them.
        reason = str(reading)[:300]
        # It just stopped answering, or never answered since it was registered: its provider
        # hears once.
        if not pool.unavailable_reason or pool.unavailable_reason == not_read_yet():
            pool_unavailable_notice(pool, reason)
        ComputePool.objects.filter(
            pk=pool.pk,
            cluster_dashboard_url=pool.cluster_dashboard_url,
            cluster_token=pool.cluster_token,
        ).update(unavailable_reason=reason)
        pool.unavailable_reason = reason
        cluster_away(pool=pool, reason=reason)
        return pool
    was_unavailable = bool(pool.unavailable_reason)
    try:
        pool = pool_heartbeat(pool=pool, report=reading.report(pool.capacity_units))
    except ValidationError:  # the capacity was cut meanwhile: report against the new one
        pool.refresh_from_db()
        pool = pool_heartbeat(pool=pool, report=reading.report(pool.capacity_units))
    if was_unavailable:
        # Applications that waited while the cluster was away may be granted now.
        waitlist_advance(pool.flavor)
    if (
        serve_apps.ever_used(pool)
        or TrainingJob.objects.filter(pool=pool, run_started_at__isnull=False).exists()
    ):
        # Network work per cluster (the Serve list, probes, training runs) in a task of its
        # own, so one slow cluster does not hold up the other pools' heartbeats.
        from deployment.tasks import sync_cluster_endpoints

        sync_cluster_endpoints.delay(pool.pk)
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


CLUSTER_FIELDS = ("cluster_dashboard_url", "cluster_serve_url", "cluster_token")


def not_read_yet():
    return _("Not read from its Ray cluster yet: the next heartbeat, within a minute, reads it.")


def origin(address):
    parts = urlsplit(address or "")
    return (parts.scheme, parts.hostname, parts.port)


def check_cluster_address(pool):
    """The cluster's addresses are read by OneStop's workers: http(s) to a host and port only,
    no credentials inside; the token has its own field and goes into a header."""
    errors = {}
    for name in ("cluster_dashboard_url", "cluster_serve_url"):
        address = getattr(pool, name)
        problem = address and ray_cluster.check_address(address)
        if problem:
            errors[name] = [problem]
    problem = ray_cluster.check_token(pool.cluster_token)
    if problem:
        errors["cluster_token"] = [problem]
    if errors:
        raise ValidationError(errors)
