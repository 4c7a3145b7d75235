"""Limits on guessing passwords and on password-reset mail, counted in Django's cache.

Failed sign-ins are counted per account and per client address; reset requests per e-mail
address and per client address. Past a limit the form refuses, even the right password, until
the window that began with the first counted attempt has passed.

A small cache counter rather than django-axes: axes brings its own tables, middleware and an
authentication backend that insists on the request in every ``authenticate()`` call (sign-up
and the tests call it without one), and it does not cover password reset. The cache is shared
by every web process when ``CACHE_URL`` points at Redis; with the default in-process cache each
uvicorn worker counts on its own, so production sets ``CACHE_URL``.

The client address is ``REMOTE_ADDR``: ``manage.py serve`` lets uvicorn fill it from
``X-Forwarded-For`` only when ``ONESTOP_BEHIND_PROXY`` says a proxy is in front.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Limit:
    name: str
    per_identity: int  # an account's e-mail address
    per_address: int  # a client address
    window: int  # seconds

    def keys(self, request, identity):
        return [
            (self.key("identity", identity.strip().lower()), self.per_identity),
            (self.key("address", request.META.get("REMOTE_ADDR", "")), self.per_address),
        ]

    def key(self, kind, value):
        digest = hashlib.sha256(value.encode()).hexdigest()[:32]
        return f"auth-limit:{self.name}:{kind}:{digest}"

    def reached(self, *, request, identity):
        """True while the account or the address has used up its attempts."""
        counts = cache.get_many([key for key, _ in self.keys(request, identity)])
        return any(counts.get(key, 0) >= allowed for key, allowed in self.keys(request, identity))

    def count(self, *, request, identity):
        for key, _ in self.keys(request, identity):
            # The first attempt opens the window; later ones only add to it (INCR keeps the
            # expiry in Redis and in the memory cache alike).
            if not cache.add(key, 1, self.window):
                try:
                    cache.incr(key)
                except ValueError:  # the window closed between add and incr
                    cache.add(key, 1, self.window)

    def forget_identity(self, *, identity):
        """A successful sign-in clears the account's count (not the address's)."""
        cache.delete(self.key("identity", identity.strip().lower()))

    @property
    def minutes(self):
        return max(1, -(-self.window // 60))

    @property
    def wait_text(self):
        minutes = self.minutes
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def signin_limit():
    return Limit(
        "signin",
        per_identity=settings.ONESTOP_SIGNIN_FAILURES_PER_ACCOUNT,
        per_address=settings.ONESTOP_SIGNIN_FAILURES_PER_ADDRESS,
        window=settings.ONESTOP_SIGNIN_WINDOW_SECONDS,
    )


def reset_limit():
    return Limit(
        "password-reset",
        per_identity=settings.ONESTOP_PASSWORD_RESETS_PER_EMAIL,
        per_address=settings.ONESTOP_PASSWORD_RESETS_PER_ADDRESS,
        window=settings.ONESTOP_PASSWORD_RESET_WINDOW_SECONDS,
    )
