"""Content-Security-Policy: the browser runs only the portal's own scripts.

Scripts come from this origin; an inline ``<script>`` runs only with the request's nonce
(``nonce="{{ request.csp_nonce }}"``), and the portal's two inline event handlers are allowed by
their hash, nothing else. Styles may be inline: progress bars set their width in a ``style``
attribute, and CSS cannot run code. Nothing may frame the portal, and forms post only to it.
(Django 5.2 has no CSP of its own; this is small enough not to need django-csp.)
"""

import base64
import hashlib
import secrets

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

# Inline handlers in the templates (the company switch, the data-check delete confirmation).
# Prefer a listener in a static script to a new one here.
INLINE_HANDLERS = ("this.form.submit()", "return confirm(this.dataset.confirm)")


def _hash(source):
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


HANDLER_HASHES = " ".join(_hash(source) for source in INLINE_HANDLERS)


def policy(nonce):
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {HANDLER_HASHES}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        request.csp_nonce = secrets.token_urlsafe(16)
        return self.with_policy(request, self.get_response(request))

    async def __acall__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        return self.with_policy(request, await self.get_response(request))

    def with_policy(self, request, response):
        response.headers.setdefault("Content-Security-Policy", policy(request.csp_nonce))
        return response
