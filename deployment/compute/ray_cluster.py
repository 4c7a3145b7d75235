"""What a provider's Ray cluster says about itself, read from its dashboard's HTTP API.

OneStop asks two things: the nodes (alive or not, each with its total resources and
accelerator type) and the cluster's resource use (``/api/cluster_status``, where each resource
maps to [used, total]). Reading over HTTP, rather than joining the cluster as a Ray driver,
keeps the web and worker processes free of Ray's runtime and of the cluster's version.

The address comes from a provider, so the request is bounded like any input from outside:
http or https only, no redirects followed, a short timeout and a cap on the answer's size; the
reason given when it fails names what went wrong without echoing what the far side said."""

import http.client
import json
import math
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 5  # for each whole answer, not only each socket operation
# A call that makes the cluster start or signal actors (Serve's application list, a Ray job's
# submission or stop) may take a busy head longer than a read.
ACTION_TIMEOUT_SECONDS = 30
MAX_ANSWER_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
# A token goes into an HTTP header: visible ASCII only, so it can never split the header.
TOKEN = re.compile(r"[\x21-\x7e]{1,200}")
NODES_PATH = "/api/v0/nodes?limit=10000"
STATUS_PATH = "/api/cluster_status"
ACCELERATOR_PREFIX = "accelerator_type:"


class ClusterUnreachable(Exception):
    """The cluster did not answer, or not as a Ray dashboard: the message says which, for the
    provider and the officer; ``status`` is the HTTP status when the dashboard answered one."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ClusterState:
    nodes_alive: int
    nodes_dead: int
    units_total: float  # of the flavor's resource, on live nodes
    units_free: float
    accelerator_types: tuple

    def report(self, capacity_units):
        """The pool's heartbeat: free units as OneStop may use them (at most the capacity the
        provider registered), and what the cluster holds."""
        used = self.units_total - self.units_free
        return {
            "free_units": int(min(self.units_free, capacity_units)),
            "utilisation": round(used / self.units_total, 3) if self.units_total else 0.0,
            "cluster_units": self.units_total,
            "nodes_alive": self.nodes_alive,
            "nodes_dead": self.nodes_dead,
            "accelerator_types": list(self.accelerator_types),
            "source": "ray",
        }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is answered as the status it is


_opener = urllib.request.build_opener(_NoRedirect)


def read_state(dashboard_url, token, resource):
    """The cluster's state for ``resource`` ("RBLN", "FURIOSA", "GPU", "CPU"), or
    ``ClusterUnreachable``."""
    nodes = _get(dashboard_url, NODES_PATH, token)
    status = _get(dashboard_url, STATUS_PATH, token)
    try:
        listed = nodes["data"]["result"]["result"]
        usage = status["data"]["clusterStatus"]["loadMetricsReport"]["usage"]
        alive = [node for node in listed if node["state"] == "ALIVE"]
        total = sum(finite(node["resources_total"].get(resource, 0)) for node in alive)
        used = min(max(finite(usage.get(resource, [0.0, 0.0])[0]), 0.0), total)
        types = sorted(
            {
                name.removeprefix(ACCELERATOR_PREFIX)
                for node in alive
                for name in node["resources_total"]
                if name.startswith(ACCELERATOR_PREFIX)
            }
        )
        state = ClusterState(
            nodes_alive=len(alive),
            nodes_dead=len(listed) - len(alive),
            units_total=total,
            units_free=total - used,
            accelerator_types=tuple(types),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ClusterUnreachable(_("The address answered, but not as a Ray dashboard.")) from None
    if not state.nodes_alive:
        raise ClusterUnreachable(_("The Ray cluster has no live node."))
    if not state.units_total:
        raise ClusterUnreachable(
            _("No live node of the Ray cluster offers %(resource)s units.") % {"resource": resource}
        )
    return state


def node_addresses(dashboard_url, token):
    """The IP addresses of the cluster's live nodes: the only hosts a replica may answer on."""
    nodes = _get(dashboard_url, NODES_PATH, token)
    try:
        listed = nodes["data"]["result"]["result"]
        return {str(node["node_ip"]) for node in listed if node["state"] == "ALIVE"}
    except (KeyError, TypeError):
        raise ClusterUnreachable(_("The address answered, but not as a Ray dashboard.")) from None


def finite(value):
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(number)
    return number


def check_address(url):
    """A reason the address cannot be a dashboard OneStop reads, or None. Only a scheme, a
    host and a port: OneStop chooses the paths it asks for."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("Give an http:// or https:// address.")
    if parts.username or parts.password:
        return _("Give the token separately, not inside the address.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return _("Give only the scheme, host and port, for example http://ray-head.example:8265.")
    return None


def check_token(token):
    """A reason the token cannot be sent, or None."""
    if token and not TOKEN.fullmatch(token):
        return _("A token is 1 to 200 visible ASCII characters, without spaces.")
    return None


def _get(base_url, path, token):
    return request_json(base_url, path, token)


def request_json(base_url, path, token, method="GET", payload=None, timeout=TIMEOUT_SECONDS):
    """The dashboard's JSON answer to one request (None for an empty one), or
    ``ClusterUnreachable``. ``timeout`` bounds the whole answer (a job submission, which starts
    an actor on the cluster, may take longer than a read)."""
    problem = check_address(base_url)
    if problem:
        raise ClusterUnreachable(problem)
    if check_token(token):
        raise ClusterUnreachable(check_token(token))
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method)  # noqa: S310 - scheme checked above
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with _opener.open(request, timeout=timeout) as answer:
            raw = _read_within(answer, time.monotonic() + timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            message = _("The Ray cluster refused OneStop's token (HTTP %(status)s).")
        else:
            message = _("The Ray dashboard answered HTTP %(status)s.")
        raise ClusterUnreachable(message % {"status": exc.code}, status=exc.code) from None
    except TimeoutError:
        raise ClusterUnreachable(
            _("The Ray dashboard did not answer within %(seconds)s seconds.") % {"seconds": timeout}
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionRefusedError):
            message = _("The Ray dashboard refused the connection: is the cluster running?")
        elif isinstance(reason, TimeoutError):
            message = _("The Ray dashboard did not answer within %(seconds)s seconds.") % {
                "seconds": timeout
            }
        elif isinstance(reason, socket.gaierror):
            message = _("The Ray dashboard's host name is not known.")
        else:
            message = _("The Ray dashboard could not be reached.")
        raise ClusterUnreachable(message) from None
    except (http.client.HTTPException, ValueError):  # a broken answer, never echoed
        raise ClusterUnreachable(_("The address answered, but not as a Ray dashboard.")) from None
    if len(raw) > MAX_ANSWER_BYTES:
        raise ClusterUnreachable(_("The Ray dashboard's answer is too large."))
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ClusterUnreachable(_("The address answered, but not as a Ray dashboard.")) from None


def _read_within(answer, deadline):
    """The body, read in chunks until ``deadline``: a server that trickles bytes is cut off
    like one that is silent."""
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = answer.read1(CHUNK_BYTES) if hasattr(answer, "read1") else answer.read(CHUNK_BYTES)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            return b"".join(chunks) + chunk  # over the cap: refused by the caller
        chunks.append(chunk)
