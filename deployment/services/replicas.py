"""Endpoint replicas on a Ray cluster, as OneStop learns of them: a replica says where it
answers when it starts (``replica_register``); the gateway says when one stopped answering
(``replica_unreachable``); Ray's Serve status says which are running (``replicas_reconcile``).
Each change the owner would want to know of is an endpoint event: a replica up, one lost, one
restarted by the cluster in its place."""

import socket
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import EndpointEvent, EndpointReplica


def describe(replica, resource):
    if replica.emulated:
        return _("%(resource)s emulated on the node's CPU") % {"resource": resource}
    return replica.provider.removesuffix("ExecutionProvider")


def replica_register(*, endpoint, ray_replica, address, pid, provider, emulated, sha256=""):
    """Record a replica that started; returns it. A replica of the same id that registers again
    (its server restarted in place) updates its row."""
    try:
        return _register(endpoint, ray_replica, address, pid, provider, emulated, sha256)
    except IntegrityError:  # the same replica registering twice at once: the first one stands
        return EndpointReplica.objects.get(endpoint=endpoint, ray_replica=ray_replica)


def _register(endpoint, ray_replica, address, pid, provider, emulated, sha256):
    with transaction.atomic():
        replica, created = EndpointReplica.objects.update_or_create(
            endpoint=endpoint,
            ray_replica=ray_replica,
            defaults={
                "address": address,
                "pid": pid,
                "provider": provider,
                "emulated": emulated,
                "sha256": sha256,
                "lost_at": None,
                "started_at": timezone.now(),
            },
        )
        # Another replica at the same address is an old one whose port was given again.
        endpoint.cluster_replicas.filter(address=address, lost_at__isnull=True).exclude(
            pk=replica.pk
        ).update(lost_at=timezone.now())
        if not created:
            return replica
        lost = list(endpoint.cluster_replicas.filter(lost_at__isnull=False))
        if lost:
            message = _("The cluster restarted a lost replica: %(new)s took the place of %(old)s.")
            message %= {"new": ray_replica, "old": ", ".join(r.ray_replica for r in lost)}
            endpoint.cluster_replicas.filter(pk__in=[r.pk for r in lost]).delete()
        else:
            running = endpoint.cluster_replicas.filter(lost_at__isnull=True).count()
            message = _("Replica %(replica)s is up (%(where)s); %(n)s running.") % {
                "replica": ray_replica,
                "where": describe(replica, endpoint.pool.ray_resource),
                "n": running,
            }
        EndpointEvent.objects.create(endpoint=endpoint, state=endpoint.state, message=message)
    return replica


def replica_unreachable(*, endpoint, address, why):
    """The gateway could not reach the replica at ``address``: mark it lost (once)."""
    lost = EndpointReplica.objects.filter(
        endpoint=endpoint, address=address, lost_at__isnull=True
    ).update(lost_at=timezone.now())
    if lost:
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=endpoint.state,
            message=_(
                "A replica at %(address)s stopped answering (%(why)s); requests go to the "
                "others while the cluster restarts it."
            )
            % {"address": address, "why": why},
        )


def replicas_reconcile(*, endpoint, running):
    """Mark lost the endpoint's replicas Ray no longer reports running (``running``: Ray's
    replica ids), and put back on the gateway's list the ones the gateway could not reach but
    Ray still runs (a network fault that passed; if it has not, the gateway marks them again).
    Returns how many were marked lost."""
    lost = endpoint.cluster_replicas.filter(lost_at__isnull=False, ray_replica__in=running)
    back = [replica.pk for replica in lost if reachable(replica.address)]
    endpoint.cluster_replicas.filter(pk__in=back).update(lost_at=None)
    gone = endpoint.cluster_replicas.filter(lost_at__isnull=True).exclude(ray_replica__in=running)
    names = list(gone.values_list("ray_replica", flat=True))
    if not names:
        return 0
    gone.update(lost_at=timezone.now())
    EndpointEvent.objects.create(
        endpoint=endpoint,
        state=endpoint.state,
        message=_("Ray reports replica(s) %(names)s stopped; the cluster restarts them.")
        % {"names": ", ".join(names)},
    )
    return len(names)


def reachable(address):
    """Whether the replica's port takes a connection now (a process that died refuses it,
    even while Ray has not yet noticed)."""
    parts = urlsplit(address)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def replicas_forget(*, endpoint):
    """The endpoint stopped or failed: its replicas are gone with its Serve application, and
    it gets a new replica generation, so the token they held (readable in the cluster's Serve
    configuration) opens nothing any more."""
    from deployment.models import Endpoint
    from deployment.models.serving import new_generation

    endpoint.cluster_replicas.all().delete()
    endpoint.replica_generation = new_generation()
    Endpoint.objects.filter(pk=endpoint.pk).update(replica_generation=endpoint.replica_generation)
