"""Request body limits, enforced in front of Django while the body streams in.

Django's ASGI handler reads the whole body into a temporary file before any middleware or view
runs, so a limit checked by a view comes after the disk has filled. This ASGI middleware sits in
front of it and answers 413 first:

1. A declared ``Content-Length`` over the route's limit is refused before one byte is read.
2. A body without a length (chunked) is counted as it arrives; at the limit the caller gets the
   413 and Django is told the caller hung up, so it drops what it had buffered and never runs
   the view. (Django answers nothing once its body read is aborted, and it has not started a
   response before the body is complete, so the 413 is the only answer sent.)

Every route gets the portal's small form limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) except the
upload routes in ``UPLOAD_ROUTES``, which get their file limit plus room for the form around
the file. The route is only looked up for a body that passes the form limit, so ordinary
requests pay one integer comparison.
"""

import json

from django.conf import settings
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from onestop.uploads import MULTIPART_ALLOWANCE

# URL name → the setting that holds the file limit of that upload route.
UPLOAD_ROUTES = {
    "diagnosis:data_upload": "ONESTOP_MAX_UPLOAD_BYTES",
    "diagnosis:consultant_data_upload": "ONESTOP_MAX_UPLOAD_BYTES",
    "diagnosis:certificate_upload": "ONESTOP_CERTIFICATE_MAX_BYTES",
    "scoring_new": "ONESTOP_MAX_UPLOAD_BYTES",
    "deployment_api:model_versions": "ONESTOP_MAX_MODEL_BYTES",
    "admin:deployment_modelversion_add": "ONESTOP_MAX_MODEL_BYTES",
    "compute_training_checkpoint": "ONESTOP_TRAINING_CHECKPOINT_MAX_BYTES",
    "compute_training_model": "ONESTOP_MAX_MODEL_BYTES",
    "compute_scoring_chunk": "ONESTOP_DATA_JOB_FILE_BYTES",
}
# Upload routes only a program holding a token calls (settings.ONESTOP_UPLOAD_GATES: route →
# the dotted path of a check of the bearer token that needs no database): their large limit is
# given only to a request whose token passes, so nobody else can make OneStop spool a large
# body to disk.


def limit_bodies(app):
    return BodyLimits(app)


class BodyLimits:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = RouteLimit(scope)
        declared = content_length(scope)
        if declared is not None and declared > limits.at(declared):
            await refuse(scope, send, limits.limit)
            return
        await self.app(scope, *Counted(scope, receive, send, limits).channels())


class RouteLimit:
    """The body limit of one request's route, looked up only when a body needs it."""

    def __init__(self, scope):
        self.scope = scope
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.resolved = False

    def at(self, size):
        """The limit that applies to a body of ``size`` bytes (None: no limit)."""
        if self.limit is None or size <= self.limit or self.resolved:
            return size if self.limit is None else self.limit
        self.resolved = True
        route = route_name(self.scope)
        setting = UPLOAD_ROUTES.get(route)
        gate = settings.ONESTOP_UPLOAD_GATES.get(route)
        if gate is not None and not import_string(gate)(bearer(self.scope)):
            setting = None
        if setting is not None:
            self.limit = getattr(settings, setting) + MULTIPART_ALLOWANCE
        return self.limit


class Counted:
    """``receive`` and ``send`` for the application, counting the body as it arrives."""

    def __init__(self, scope, receive, send, limits):
        self.scope, self.receive, self.send, self.limits = scope, receive, send, limits
        self.received = 0
        self.responded = False
        self.refused = False

    def channels(self):
        return self.counted_receive, self.guarded_send

    async def counted_receive(self):
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self.receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limits.at(self.received):
                self.refused = True
                if not self.responded:
                    await refuse(self.scope, self.send, self.limits.limit)
                return {"type": "http.disconnect"}
        return message

    async def guarded_send(self, message):
        if self.refused:
            return  # the caller already has its 413; the application's answer goes nowhere
        self.responded = True
        await self.send(message)


def content_length(scope):
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


def bearer(scope):
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _sep, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return ""


def route_name(scope):
    path = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


async def refuse(scope, send, limit):
    """413, in JSON for API callers and as a small page for people, in their language."""
    request = bare_request(scope)
    with translation.override(translation.get_language_from_request(request)):
        message = _("The request is too large: at most %(limit)s can be sent to this address.") % {
            "limit": filesizeformat(limit)
        }
        if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith(
            "application/json"
        ):
            body = json.dumps(
                {"error": {"code": "too_large", "message": message}}, ensure_ascii=False
            ).encode()
            content_type = b"application/json; charset=utf-8"
        else:
            body = render_to_string("errors/413.html", {"message": message}).encode()
            content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is never read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def bare_request(scope):
    """Enough of a request for language negotiation and content type, without the body."""
    request = HttpRequest()
    request.path = scope["path"]
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        request.META[f"HTTP_{key}"] = value.decode("latin-1")
    request.COOKIES = parse_cookie(request.META.get("HTTP_COOKIE", ""))
    return request
