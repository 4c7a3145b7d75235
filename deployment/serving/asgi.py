"""The /v2 fast lane, in front of the portal's ASGI application.

Inference calls are the hot path: they skip Django's request machinery and the portal's
middleware (sessions, login, messages, language, CSRF, static files; none applies to a
key-carrying API call) and are answered from ``handling``: on the event loop itself when the
request is small and its model is known to be fast and bounded by its input's shape (see
``handling.inline_known`` and ``bounds``), otherwise in a pool of ``ONESTOP_WEB_THREADS``
threads, so neither a slow model nor a runaway request holds the loop. The lane keeps
what the portal's security settings promise: ALLOWED_HOSTS (400), the HTTPS redirect, HSTS and
nosniff. Everything else under /v2 (health, metadata) and the whole portal go to Django."""

import asyncio
import functools
import gc
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db import close_old_connections
from django.dispatch import receiver
from django.http.request import split_domain_port, validate_host

from deployment.serving import handling, protocol
from deployment.serving.sessions import preload

logger = logging.getLogger(__name__)
INFER = re.compile(r"^/v2/models/(?P<name>[^/]+)(?:/versions/(?P<version>[^/]+))?/infer$")
BINARY = protocol.BINARY_HEADER.lower()


def with_fast_lane(portal):
    return ServingLane(portal)


class ServingLane:
    def __init__(self, portal):
        self.portal = portal
        self.pool = ThreadPoolExecutor(settings.ONESTOP_WEB_THREADS, "serving")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            match = INFER.match(scope["path"])
            if match:
                await self.infer(scope, receive, send, **match.groupdict())
                return
        if scope["type"] == "lifespan":
            await lifespan(receive, send, self.pool)
            return
        await self.portal(scope, receive, send)

    async def infer(self, scope, receive, send, name, version):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        rules = security()
        secure = is_secure(scope, headers, rules)
        refused = refusal(host, secure, scope, rules)
        if refused is not None:
            await respond(send, refused, secure, rules)
            return
        body = await read_body(receive, rules.body_limit)
        if body is GONE:
            return  # the caller hung up: nothing to answer, nothing to meter
        if body is None:
            too_big = handling.failure(f"the body is over {rules.body_limit} bytes", 413)
            await respond(send, too_big, secure, rules)
            return
        args = (headers.get("authorization"), name, version, body, headers.get(BINARY))
        try:
            loop = asyncio.get_running_loop()
            known = handling.inline_known(args[0], body)
            if known is None:
                reply = await loop.run_in_executor(self.pool, in_thread, *args)
            else:
                # Checked on the loop (no database, a small body); run here only when the
                # request is small too, else the run goes to a thread like any other.
                step = handling.begin(*args, known=known)
                if isinstance(step, handling.Reply):
                    reply = step
                elif step.small():
                    reply = handling.finish(step)
                else:
                    reply = await loop.run_in_executor(self.pool, handling.finish, step)
        except Exception:  # a bug or the database away: the caller gets the protocol's shape
            logger.exception("inference request failed")
            reply = handling.failure("the server could not answer; try again", 500)
        await respond(send, reply, secure, rules)


def in_thread(*args):
    """A request handed to a thread: database connections are tidied as Django's request
    signals would tidy them."""
    close_old_connections()
    try:
        return handling.metered_infer(*args)
    finally:
        close_old_connections()


def warm_start():
    close_old_connections()
    try:
        logger.info("warmed %s model(s) of ready endpoints", preload())
    except Exception:  # no database yet (a fresh install): models load on first call
        logger.exception("could not preload the ready endpoints' models")
    finally:
        close_old_connections()


@dataclass(frozen=True)
class Security:
    """The portal's security settings as the lane applies them, read once rather than on every
    request (the hot path); read again whenever a setting changes."""

    allowed_hosts: tuple
    ssl_redirect: bool
    ssl_host: str | None
    proxy_header: tuple | None  # (lower-case header name, value meaning HTTPS)
    headers: tuple  # added to every answer: nosniff
    secure_headers: tuple  # added to answers over HTTPS: HSTS
    body_limit: int | None


@functools.lru_cache(maxsize=256)  # the hosts a server sees are few; any others are evicted
def host_allowed(host, allowed_hosts):
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed_hosts)


@functools.cache
def security():
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    proxy = None
    if settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        proxy = (header.removeprefix("HTTP_").replace("_", "-").lower(), value)
    headers, secure_headers = [], []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_HSTS_SECONDS:
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
        secure_headers.append((b"strict-transport-security", hsts.encode()))
    return Security(
        allowed_hosts=tuple(allowed),
        ssl_redirect=settings.SECURE_SSL_REDIRECT,
        ssl_host=settings.SECURE_SSL_HOST,
        proxy_header=proxy,
        headers=tuple(headers),
        secure_headers=tuple(secure_headers),
        body_limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    )


@receiver(setting_changed)
def forget_security(**_kwargs):
    security.cache_clear()
    host_allowed.cache_clear()


def is_secure(scope, headers, rules):
    if scope.get("scheme") == "https":
        return True
    if rules.proxy_header:
        name, value = rules.proxy_header
        return headers.get(name, "").split(",")[0].strip() == value
    return False


def refusal(host, secure, scope, rules):
    """A reply for a request the portal would refuse or redirect, else None."""
    if not host_allowed(host, rules.allowed_hosts):
        return handling.failure(f"invalid host header: {host!r}", 400)
    if rules.ssl_redirect and not secure:
        target = f"https://{rules.ssl_host or host}{scope['path']}"
        return handling.Reply(301, b"", headers={"Location": target})
    return None


GONE = object()


async def read_body(receive, limit):
    """The body; None past ``limit`` bytes (None: no limit, as Django allows); GONE when the
    client disconnected first."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def respond(send, reply, secure, rules):
    headers = [
        (b"content-type", reply.content_type.encode()),
        (b"content-length", str(len(reply.payload)).encode()),
        *rules.headers,
    ]
    if secure:
        headers += rules.secure_headers
    headers += [(k.lower().encode(), str(v).encode()) for k, v in reply.headers.items()]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.payload})


async def lifespan(receive, send, pool):
    """Django's handler speaks only HTTP; the lane answers the server's start and stop. At
    start the ready endpoints' models are loaded and warmed before the first request."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await asyncio.get_running_loop().run_in_executor(pool, warm_start)
            # Everything loaded so far (Django, the apps, ONNX Runtime) lives as long as the
            # process: kept out of the collector's scans, which otherwise stall requests.
            gc.collect()
            gc.freeze()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
