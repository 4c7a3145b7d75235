"""Endpoint keys on the hot path. Verifying a key costs a database query and an HMAC, more
than the model itself on a small tabular model, so each process remembers a verified key and
its endpoint (state, deadline, batching, version) for ``ONESTOP_SERVING_KEY_CACHE_SECONDS``.

A key revoked or an endpoint stopped elsewhere stops answering within that time. In this
process it stops at once when the row is saved (signals below) or when ``forget()`` is called;
0 seconds turns the cache off. Failed look-ups are never remembered."""

import hashlib
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from deployment.models import Endpoint, EndpointKey

MAX_ENTRIES = 10_000

_cache = {}  # sha256 of the raw key -> (monotonic expiry, endpoint)
_generation = [0]  # bumped by forget(): a look-up that raced it is not stored


def endpoint_for(raw):
    """The endpoint the raw key ``ep_<public>_<secret>`` opens, or None."""
    digest = hashlib.sha256(raw.encode()).digest()
    hit = _cache.get(digest)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    generation = _generation[0]
    key = EndpointKey.find(raw)
    if key is None:
        _cache.pop(digest, None)
        return None
    ttl = settings.ONESTOP_SERVING_KEY_CACHE_SECONDS
    if ttl > 0 and generation == _generation[0]:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[digest] = (now + ttl, key.endpoint)
    return key.endpoint


def peek(raw):
    """The endpoint ``raw`` opens if this process verified it recently, else None; never
    touches the database (the fast lane asks before answering on its event loop)."""
    if not raw:
        return None
    hit = _cache.get(hashlib.sha256(raw.encode()).digest())
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    return None


def forget():
    """Drop every remembered key in this process."""
    _generation[0] += 1
    _cache.clear()


@receiver(post_save, sender=EndpointKey, dispatch_uid="serving-keys-key-saved")
@receiver(post_delete, sender=EndpointKey, dispatch_uid="serving-keys-key-deleted")
@receiver(post_save, sender=Endpoint, dispatch_uid="serving-keys-endpoint-saved")
@receiver(post_delete, sender=Endpoint, dispatch_uid="serving-keys-endpoint-deleted")
def _changed(**kwargs):
    # Now, and again once committed: a look-up between the two would cache the old row.
    forget()
    transaction.on_commit(forget)
