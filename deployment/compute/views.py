"""What an endpoint's replicas on a cluster ask of OneStop, with the endpoint's replica token:
the model to run (by its SHA-256) and a place on the gateway's list (the replica's address).

Both answer in the Open Inference Protocol's error shape, {"error": "..."}: the caller is a
program whose logs a provider's operator reads."""

import ipaddress
import json
import re
from urllib.parse import urlsplit

from django.http import FileResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from deployment.compute import ray_cluster
from deployment.compute.serve_apps import SERVING
from deployment.compute.tokens import claimed_endpoint_id, token_opens
from deployment.models import Endpoint
from deployment.services.replicas import replica_register

MAX_REGISTRATION_BYTES = 4096
REPLICA_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
PROVIDER = re.compile(r"[A-Za-z]{1,40}")
SHA256 = re.compile(r"[0-9a-f]{64}")


def failure(message, status):
    return JsonResponse({"error": message}, status=status)


def replica_endpoint(request):
    """The endpoint the request's replica token opens, on a cluster pool, or None."""
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    endpoint_id = claimed_endpoint_id(raw)
    if endpoint_id is None:
        return None
    endpoint = (
        Endpoint.objects.select_related("version", "next_version", "pool")
        .filter(pk=endpoint_id, pool__isnull=False)
        .exclude(pool__cluster_dashboard_url="")
        .first()
    )
    return endpoint if endpoint is not None and token_opens(raw, endpoint) else None


@require_GET
def artifact(request, sha256):
    endpoint = replica_endpoint(request)
    if endpoint is None:
        return failure("send the endpoint's replica token: Authorization: Bearer rp_…", 401)
    versions = [v for v in (endpoint.version, endpoint.next_version) if v is not None]
    version = next((v for v in versions if v.sha256 == sha256), None)
    if version is None or endpoint.state not in SERVING:
        return failure("this endpoint does not serve a model with that SHA-256", 404)
    try:
        handle = open(version.artifact_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError:
        return failure("the model's file is missing on OneStop; the officer is told", 503)
    return FileResponse(handle, content_type="application/octet-stream")


@csrf_exempt  # a replica with a bearer token, never a browser session
@require_POST
def replicas(request):
    endpoint = replica_endpoint(request)
    if endpoint is None:
        return failure("send the endpoint's replica token: Authorization: Bearer rp_…", 401)
    if len(request.body) > MAX_REGISTRATION_BYTES:
        return failure(f"a registration is at most {MAX_REGISTRATION_BYTES} bytes", 413)
    try:
        fields = registration(json.loads(request.body))
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return failure(f"the registration is not valid: {exc}", 400)
    if endpoint.state not in SERVING:
        return failure("the endpoint is not serving; the replica will be removed", 409)
    host = urlsplit(fields["address"]).hostname
    problem = address_problem(host, urlsplit(endpoint.pool.cluster_dashboard_url).hostname)
    if problem:
        return failure(problem, 400)
    try:
        nodes = ray_cluster.node_addresses(
            endpoint.pool.cluster_dashboard_url, endpoint.pool.cluster_token
        )
    except ray_cluster.ClusterUnreachable as exc:
        return failure(f"OneStop could not read the cluster to check the address: {exc}", 503)
    if host not in nodes:
        return failure("the address is not on a live node of the pool's cluster", 400)
    replica = replica_register(endpoint=endpoint, **fields)
    return JsonResponse({"replica": replica.ray_replica, "endpoint": endpoint.name})


def address_problem(host, dashboard_host):
    """Why the gateway must not send callers' requests to ``host``, or None. An IP address
    only (a name could be pointed elsewhere after the check); never a link-local address (a
    cloud's metadata service), multicast, unspecified or reserved; loopback only for a cluster
    whose dashboard is on loopback too (one machine, as in development)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "the address is an IP address of a node, not a name"
    if address.is_link_local or address.is_multicast or address.is_unspecified:
        return "the address is not one a node answers on"
    if address.is_reserved:
        return "the address is not one a node answers on"
    if address.is_loopback:
        try:
            local_cluster = ipaddress.ip_address(dashboard_host or "").is_loopback
        except ValueError:
            local_cluster = dashboard_host == "localhost"
        if not local_cluster:
            return "a loopback address is refused for a cluster on another machine"
    return None


def registration(data):
    """The registration's fields, checked; ValueError says which one is wrong."""
    replica, address, provider = data["replica"], data["address"], data["provider"]
    if not isinstance(replica, str) or not REPLICA_ID.fullmatch(replica):
        raise ValueError("replica is 1 to 64 letters, digits, '.', '_' or '-'")
    parts = urlsplit(address) if isinstance(address, str) else None
    if (
        parts is None
        or parts.scheme != "http"
        or not parts.hostname
        or not parts.port
        or parts.path
        or parts.query
        or parts.username
        or len(address) > 200
    ):
        raise ValueError("address is http://<node address>:<port>, nothing more")
    if not isinstance(provider, str) or not PROVIDER.fullmatch(provider):
        raise ValueError("provider is ONNX Runtime's execution provider name")
    pid = data.get("pid")
    if pid is not None and (
        not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 2**31
    ):
        raise ValueError("pid is a process id")
    sha256 = data.get("sha256", "")
    if not isinstance(sha256, str) or not SHA256.fullmatch(sha256 or "0" * 64):
        raise ValueError("sha256 is the model's SHA-256, 64 hexadecimal digits")
    emulated = data.get("emulated", False)
    if not isinstance(emulated, bool):
        raise ValueError("emulated is true or false")
    return {
        "ray_replica": replica,
        "address": address,
        "pid": pid,
        "provider": provider,
        "emulated": emulated,
        "sha256": sha256,
    }
