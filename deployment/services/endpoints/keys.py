"""An endpoint's inference keys: issued to an owner, shown once, revoked at once."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Endpoint, EndpointKey
from deployment.services.endpoints.transitions import endpoint_audit, forget_cached_keys


def endpoint_key_issue(*, endpoint, user, name):
    """(key, the full key): shown once to the person who asked."""
    if endpoint.state == Endpoint.State.DELETED:
        raise ValidationError(_("A deleted endpoint takes no new keys."))
    name = (name or "").strip() or _("key")
    with transaction.atomic():
        key, raw = EndpointKey.issue(endpoint, name=name[:100])
        endpoint_audit(
            endpoint=endpoint,
            action="endpoint.key_issue",
            user=user,
            after={"key": str(key), "name": key.name},
        )
    return key, raw


def endpoint_key_revoke(*, key, user):
    """True when this call revoked the key; False when it already was."""
    with transaction.atomic():
        revoked = EndpointKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            forget_cached_keys()
            endpoint_audit(
                endpoint=key.endpoint,
                action="endpoint.key_revoke",
                user=user,
                after={"key": str(key)},
            )
    return bool(revoked)
