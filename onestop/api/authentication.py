from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from onestop.services.api_keys import api_key_authenticate


class PartnerKeyUser:
    """``request.user`` for a request made with a partner's API key. It is not a person, so
    it carries no permissions of its own; ``request.auth`` is the key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, api_key):
        self.api_key = api_key
        self.partner = api_key.partner

    def __str__(self):
        return f"{self.partner} ({self.api_key.display_prefix})"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer os_<id>_<secret>``. A wrong or revoked key is a 401."""

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        scheme, _sep, raw = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer":
            return None
        if not raw.strip():
            raise AuthenticationFailed(_("The Authorization header has no API key after Bearer."))
        key = api_key_authenticate(raw)
        if key is None:
            raise AuthenticationFailed(_("This API key is not valid or has been revoked."))
        return PartnerKeyUser(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="OneStop API"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "onestop.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "os_<id>_<secret>"}
