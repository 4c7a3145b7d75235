"""Partner API keys: created and shown once, stored as an HMAC, revocable at once."""

from django.db import transaction
from django.utils import timezone

from onestop.models import ApiKey
from onestop.services.audit import audit_record, audit_snapshot


@transaction.atomic
def api_key_create(*, partner, name, actor=None, via_key=None):
    """Return (key, raw). ``raw`` is the only copy of the full key: show it once."""
    public_id, secret, raw = ApiKey.generate()
    key = ApiKey.objects.create(
        partner=partner,
        name=name,
        public_id=public_id,
        secret_hash=ApiKey.hash_secret(secret),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        action="api_key.create",
        target=key,
        actor=actor,
        api_key=via_key,
        after=audit_snapshot(key),
        partner=partner,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key, actor=None, via_key=None):
    """Revoke at once: the next request with this key gets 401. Revoking twice is a no-op."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is not None:
        return key
    before = audit_snapshot(key)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_record(
        action="api_key.revoke",
        target=key,
        actor=actor,
        api_key=via_key,
        before=before,
        after=audit_snapshot(key),
        partner=key.partner,
    )
    return key


def api_key_authenticate(raw):
    """The active key that ``raw`` presents, or None. Constant-time on the secret."""
    parts = ApiKey.split(raw.strip())
    if parts is None:
        return None
    public_id, secret = parts
    key = ApiKey.objects.select_related("partner").filter(public_id=public_id).first()
    if key is None or not key.matches(secret) or not key.is_active:
        return None
    key.touch()
    return key
