"""The one way an endpoint changes state: a conditional update that claims the change, so
every step and action runs once however many tasks or people race for it."""

from django.db import transaction
from django.utils import timezone

from deployment.models import Endpoint, EndpointEvent
from deployment.notices import endpoint_failed_notice
from deployment.services.allocation import replicas_release
from onestop.services.audit import audit_record

State = Endpoint.State


def endpoint_transition(*, endpoint, sources, target, message, **fields):
    """Move ``endpoint`` to ``target`` only if it is still in one of ``sources``, setting
    ``fields`` with it, and record the step. True when this call moved it."""
    updates = {"state": target, "state_changed_at": timezone.now(), **fields}
    moved = Endpoint.objects.filter(pk=endpoint.pk, state__in=sources).update(**updates)
    if moved:
        forget_cached_keys()
        for field, value in updates.items():
            setattr(endpoint, field, value)
        EndpointEvent.objects.create(endpoint=endpoint, state=target, message=message)
    return bool(moved)


def endpoint_fail(*, endpoint, sources, reason, next_step):
    """Fail the endpoint if it is still in one of ``sources``, and only then give its units
    back: a racer that moved it on (a stop, a finished step) keeps what it holds."""
    with transaction.atomic():
        moved = endpoint_transition(
            endpoint=endpoint,
            sources=sources,
            target=State.FAILED,
            message=reason,
            reason=reason,
            next_step=next_step,
        )
        if moved:
            if endpoint.pool_id:
                replicas_release(endpoint=endpoint)
            endpoint_audit(
                endpoint=endpoint, action="endpoint.failed", user=None, after={"reason": reason}
            )
            endpoint_failed_notice(endpoint, reason)
    return moved


def endpoint_audit(*, endpoint, action, user, before=None, after=None):
    audit_record(
        action=action,
        target=endpoint,
        actor=user,
        before=before,
        after=after,
        company=endpoint.company,
    )


def forget_cached_keys():
    """Serving remembers verified keys with their endpoint for a few seconds; bulk updates
    send no signals, so this process is told here, now and again once the change is committed
    (a look-up between the two would cache the old row). Other processes notice
    within the cache time."""
    from deployment.serving.keys import forget

    forget()
    transaction.on_commit(forget)
