"""What an owner asks of an endpoint once it exists: stop, resume, delete, roll to another
version and back, scale, configure; and replicas following the load between the minimum and
maximum the owner set. Each refusal is a ``ValidationError`` the page shows as it is."""

import math
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Endpoint, EndpointEvent, EndpointUsage, Workload
from deployment.services.allocation import replicas_hold, replicas_release
from deployment.services.endpoints.pipeline import enqueue_deploy, enqueue_roll
from deployment.services.endpoints.queries import deployable_versions, grant_for
from deployment.services.endpoints.rules import replica_errors
from deployment.services.endpoints.transitions import endpoint_audit, endpoint_transition
from deployment.services.replicas import replicas_forget

State = Endpoint.State


def follow_on_cluster(endpoint, *, gone=False):
    """An endpoint on a cluster pool changed: once committed, the cluster's Serve applications
    follow (``gone``: it stopped serving, so its replicas leave the gateway's list now)."""
    if not endpoint.on_cluster:
        return
    from deployment.tasks import update_cluster_apps

    if gone:
        replicas_forget(endpoint=endpoint)
    update_cluster_apps.delay_on_commit(endpoint.pool_id)


def endpoint_stop(*, endpoint, user):
    """Stop serving and give the units back; the keys and settings stay for a resume."""
    sources = [State.READY, State.DEGRADED, State.FAILED, *Endpoint.IN_FLIGHT]
    with transaction.atomic():
        if endpoint.pool_id:
            replicas_release(endpoint=endpoint)
        if not endpoint_transition(
            endpoint=endpoint,
            sources=sources,
            target=State.STOPPED,
            message=_("Stopped."),
            next_version=None,
        ):
            raise ValidationError(_("Only a running or failed endpoint can be stopped."))
        endpoint_audit(endpoint=endpoint, action="endpoint.stop", user=user)
        follow_on_cluster(endpoint, gone=True)
    return endpoint


def endpoint_resume(*, endpoint, user):
    """Deploy a stopped or failed endpoint again, from the start."""
    with transaction.atomic():
        if not endpoint_transition(
            endpoint=endpoint,
            sources=[State.STOPPED, State.FAILED],
            target=State.PENDING,
            message=_("Resume requested."),
            reason="",
            next_step="",
            attempts=0,
        ):
            raise ValidationError(_("Only a stopped or failed endpoint can be resumed."))
        endpoint_audit(endpoint=endpoint, action="endpoint.resume", user=user)
        enqueue_deploy(endpoint)
    return endpoint


def endpoint_delete(*, endpoint, user):
    """Stop it for good: units back, keys revoked. The row stays (state deleted) so its usage
    still counts on the grant's record; the name is free again."""
    with transaction.atomic():
        if endpoint.pool_id:
            replicas_release(endpoint=endpoint)
        sources = [s for s in State.values if s != State.DELETED]
        if not endpoint_transition(
            endpoint=endpoint,
            sources=sources,
            target=State.DELETED,
            message=_("Deleted."),
            next_version=None,
        ):
            raise ValidationError(_("This endpoint is already deleted."))
        endpoint.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        endpoint_audit(endpoint=endpoint, action="endpoint.delete", user=user)
        follow_on_cluster(endpoint, gone=True)
    return endpoint


def endpoint_roll(*, endpoint, version, user):
    """Serve ``version`` instead, once it is validated and warm; the current version keeps
    serving meanwhile, and stays if the new one fails (``pipeline.endpoint_roll_finish``)."""
    if endpoint.state != State.READY:
        raise ValidationError(_("Only a ready endpoint can be rolled to another version."))
    if version.pk == endpoint.version_id:
        raise ValidationError(_("The endpoint already serves this version."))
    if not deployable_versions(endpoint.company).filter(pk=version.pk).exists():
        raise ValidationError(_("This model version is not published or not available to you."))
    if version.family_id != endpoint.version.family_id:
        raise ValidationError(
            _("Roll to a version of the same model; deploy another model as a new endpoint.")
        )
    with transaction.atomic():
        rolled = Endpoint.objects.filter(
            pk=endpoint.pk, state=State.READY, next_version__isnull=True
        ).update(next_version=version, state_changed_at=timezone.now())
        if not rolled:
            raise ValidationError(_("A roll is already in progress."))
        endpoint.next_version = version
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=State.READY,
            message=_("Rolling to version %(version)s.") % {"version": version.version},
        )
        endpoint_audit(
            endpoint=endpoint,
            action="endpoint.roll",
            user=user,
            before={"version": endpoint.version.version},
            after={"version": version.version},
        )
        enqueue_roll(endpoint)
    return endpoint


def endpoint_roll_back(*, endpoint, user):
    """Roll to the version served before the last roll."""
    if endpoint.previous_version_id is None:
        raise ValidationError(_("There is no earlier version to roll back to."))
    return endpoint_roll(endpoint=endpoint, version=endpoint.previous_version, user=user)


def endpoint_scale(*, endpoint, user, min_replicas, max_replicas):
    """Change the replica range; a ready endpoint holds at least the new minimum at once."""
    grant = grant_for(endpoint)
    if grant is None:
        raise ValidationError(_("Your company holds no grant in force on this pool."))
    errors = replica_errors(min_replicas, max_replicas, endpoint.units_per_replica, grant)
    if errors:
        raise ValidationError(errors)
    before = {"min_replicas": endpoint.min_replicas, "max_replicas": endpoint.max_replicas}
    with transaction.atomic():
        if endpoint.state == State.READY:
            replicas = replicas_hold(endpoint=endpoint, count=min_replicas)
            if any(r.state == Workload.State.QUEUED for r in replicas):
                replicas_release(endpoint=endpoint, only_queued=True)
                raise ValidationError(
                    _("The pool cannot admit %(n)s replicas within your guarantee right now.")
                    % {"n": min_replicas}
                )
            replicas_release(endpoint=endpoint, keep=max_replicas)
        endpoint.min_replicas, endpoint.max_replicas = min_replicas, max_replicas
        endpoint.save(update_fields=["min_replicas", "max_replicas"])
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=endpoint.state,
            message=_("Replicas: %(min)s to %(max)s.") % {"min": min_replicas, "max": max_replicas},
        )
        endpoint_audit(
            endpoint=endpoint,
            action="endpoint.scale",
            user=user,
            before=before,
            after={"min_replicas": min_replicas, "max_replicas": max_replicas},
        )
        follow_on_cluster(endpoint)
    return endpoint


def endpoint_configure(*, endpoint, user, deadline_ms, batch_max_size, batch_max_delay_ms):
    """Request deadline and dynamic batching (a largest batch of 1 turns batching off)."""
    errors = {}
    if not 10 <= deadline_ms <= 60_000:
        errors["deadline_ms"] = _("The deadline goes from 10 ms to 60,000 ms.")
    if not 1 <= batch_max_size <= 256:
        errors["batch_max_size"] = _("The largest batch goes from 1 (off) to 256 requests.")
    if not 0 <= batch_max_delay_ms <= 100:
        errors["batch_max_delay_ms"] = _("The queue wait goes from 0 to 100 ms.")
    if errors:
        raise ValidationError(errors)
    fields = ("deadline_ms", "batch_max_size", "batch_max_delay_ms")
    before = {f: getattr(endpoint, f) for f in fields}
    endpoint.deadline_ms = deadline_ms
    endpoint.batch_max_size = batch_max_size
    endpoint.batch_max_delay_ms = batch_max_delay_ms
    after = {f: getattr(endpoint, f) for f in fields}
    if before != after:
        with transaction.atomic():
            endpoint.save(update_fields=fields)
            follow_on_cluster(endpoint)  # the replicas hold the deadline too
            endpoint_audit(
                endpoint=endpoint,
                action="endpoint.configure",
                user=user,
                before=before,
                after=after,
            )
    return endpoint


def endpoints_autoscale(*, now=None, window_minutes=5, busy_share=0.6):
    """Each ready endpoint holds as many replicas as its recent compute time needs (each
    replica busy at most ``busy_share`` of the time), between its minimum and maximum.
    Returns the endpoints whose replicas changed."""
    now = now or timezone.now()
    since = now - timedelta(minutes=window_minutes)
    changed = []
    ranged = Endpoint.objects.filter(state=State.READY).exclude(max_replicas=1)
    for endpoint in ranged.select_related("pool", "company"):
        busy_ms = (
            EndpointUsage.objects.filter(
                endpoint=endpoint, period=EndpointUsage.Period.MINUTE, start__gte=since
            ).aggregate(ms=Sum("compute_ms"))["ms"]
            or 0
        )
        need = math.ceil(busy_ms / (window_minutes * 60_000 * busy_share))
        want = min(max(need, endpoint.min_replicas), endpoint.max_replicas)
        have = endpoint.replicas.exclude(state=Workload.State.DONE).count()
        if want > have:
            replicas = replicas_hold(endpoint=endpoint, count=want)
            replicas_release(endpoint=endpoint, only_queued=True)
            held = sum(r.state == Workload.State.RUNNING for r in replicas)
        elif want < have:
            replicas_release(endpoint=endpoint, keep=want)
            held = want
        else:
            continue
        if held != have:
            EndpointEvent.objects.create(
                endpoint=endpoint,
                state=endpoint.state,
                message=_("Scaled from %(have)s to %(held)s replica(s) for the load.")
                % {"have": have, "held": held},
            )
            follow_on_cluster(endpoint)
            changed.append(endpoint)
    return changed
