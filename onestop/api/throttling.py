from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from onestop.models import ApiKey


class PerCredentialThrottle(SimpleRateThrottle):
    """One bucket per API key (or per signed-in person, or per address when anonymous)."""

    scope = "credential"

    def get_rate(self):
        # Read at request time so the rate follows the setting (and tests can lower it).
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
