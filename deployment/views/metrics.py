"""Prometheus metrics for operators: programme officers signed in, or a scraper holding
``ONESTOP_METRICS_TOKEN``. Never public: the figures name every company's endpoints."""

import hmac

from django.conf import settings
from django.http import HttpResponse

from deployment.services.endpoint_usage import prometheus_text
from onestop.roles import is_officer

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def may_read(request):
    token = settings.ONESTOP_METRICS_TOKEN
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    sent = raw.strip().encode()  # bytes: any characters compare, none raise
    if token and scheme.lower() == "bearer" and hmac.compare_digest(sent, token.encode()):
        return True
    return is_officer(request.user)


def metrics(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponse("GET only\n", status=405, content_type=CONTENT_TYPE)
    if not may_read(request):
        status = 403 if request.user.is_authenticated else 401
        return HttpResponse(
            "metrics are for operators: sign in as a programme officer or send the scrape token\n",
            status=status,
            content_type=CONTENT_TYPE,
        )
    return HttpResponse(prometheus_text(), content_type=CONTENT_TYPE)
