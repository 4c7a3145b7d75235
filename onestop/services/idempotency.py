"""Idempotency keys for partner POSTs: a retry replays the first response instead of acting
twice; the same key with a different body is refused."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from onestop.models import IdempotencyRecord


class IdempotencyMismatch(Exception):
    """The key was used before for a different request."""


class IdempotencyInFlight(Exception):
    """The first request with this key is still being handled."""


def request_fingerprint(method, path, body):
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def _expiry_cutoff():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_begin(*, scope, key, method, path, request_hash):
    """Claim ``key`` for this request. Returns (record, replay).

    ``replay`` is True when an earlier request with the same key and body has finished: its
    stored response is to be sent again. Raises IdempotencyMismatch or IdempotencyInFlight.
    """
    IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=_expiry_cutoff()).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                scope=scope, key=key, method=method, path=path, request_hash=request_hash
            )
        return record, False
    except IntegrityError:
        record = IdempotencyRecord.objects.get(scope=scope, key=key)
    if record.request_hash != request_hash:
        raise IdempotencyMismatch
    if record.status_code is None:
        raise IdempotencyInFlight
    return record, True


def idempotency_finish(*, record, status_code, body):
    """Store the response. Server errors are not stored, so the client may retry them."""
    if status_code >= 500:
        record.delete()
        return
    record.status_code = status_code
    record.response_body = body
    record.save(update_fields=["status_code", "response_body"])


def idempotency_abandon(*, record):
    IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True).delete()


def idempotency_purge_expired():
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=_expiry_cutoff()).delete()
    return deleted
