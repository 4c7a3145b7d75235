"""The Ray Serve applications OneStop runs on a provider's cluster: one per endpoint of the
pool that should be serving, each with ``num_replicas`` replicas that ask Ray for the endpoint's
units of the flavor's resource (``{"RBLN": 1}``, ``{"FURIOSA": 1}``, ``num_gpus``, or CPUs).

The dashboard's Serve API is declarative: a PUT of the whole list replaces what runs, so OneStop
sends the pool's full list every time (on each deploy, stop and scale, and on every heartbeat,
which puts back whatever the cluster lost or missed while it was away). OneStop therefore owns
Ray Serve on a cluster it is given; a provider runs its own Serve applications elsewhere.

How many replicas: Ray Serve's own autoscaler counts the requests that pass through its proxy,
and OneStop's gateway calls the replicas directly, so Serve would see no load. The count comes
from OneStop instead (``endpoints_autoscale``, on the compute time the replicas measure), always
between the endpoint's minimum and maximum and within its grant; Ray places, starts and
restarts the replicas."""

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from deployment.compute import ray_cluster
from deployment.compute.tokens import replica_token
from deployment.models import Endpoint, Workload
from deployment.models.compute import FLAVOR_SPECS, ComputePool

logger = logging.getLogger(__name__)
APPLICATIONS_PATH = "/api/serve/applications/"
APP_PREFIX = "onestop-endpoint-"
IMPORT_PATH = "deployment.compute.replica:build"
# Endpoints whose replicas should run: being brought up, serving, or waiting out an outage.
SERVING = (
    Endpoint.State.PROVISIONING,
    Endpoint.State.WARMING,
    Endpoint.State.READY,
    Endpoint.State.DEGRADED,
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def app_name(endpoint_id):
    return f"{APP_PREFIX}{endpoint_id}"


def actor_options(resource, units):
    if resource == "CPU":
        return {"num_cpus": units}
    if resource == "GPU":
        return {"num_cpus": 0, "num_gpus": units}
    return {"num_cpus": 0, "resources": {resource: units}}


def replicas_wanted(endpoint):
    """The replicas OneStop holds units for: at least one while the endpoint serves."""
    held = endpoint.replicas.filter(state=Workload.State.RUNNING).count()
    return max(held, 1)


def application(endpoint):
    # During a roll the replicas are brought to the next version (Serve's rolling update); the
    # endpoint switches only once one of them answers (``cluster_roll``).
    version = endpoint.next_version or endpoint.version
    resource = FLAVOR_SPECS[endpoint.pool.flavor]["ray_resource"]
    site = settings.SITE_URL
    return {
        "name": app_name(endpoint.pk),
        "route_prefix": f"/{app_name(endpoint.pk)}",
        "import_path": IMPORT_PATH,
        "args": {
            "endpoint": endpoint.pk,
            "model": endpoint.name,
            "version": version.version,
            "sha256": version.sha256,
            "size": version.size,
            "resource": resource,
            "deadline_ms": endpoint.deadline_ms,
            "artifact_url": site + reverse("compute_artifact", args=[version.sha256]),
            "register_url": site + reverse("compute_replicas"),
            "token": replica_token(endpoint),
        },
        "deployments": [
            {
                "name": "replica",
                "num_replicas": replicas_wanted(endpoint),
                "ray_actor_options": actor_options(resource, endpoint.units_per_replica),
                "health_check_period_s": 5,
                "health_check_timeout_s": 10,
            }
        ],
    }


def http_options(pool):
    """Where Ray Serve's own proxy listens: the port of the Serve address the provider gave."""
    if not pool.cluster_serve_url:
        return {}
    parts = urlsplit(pool.cluster_serve_url)
    host = "127.0.0.1" if parts.hostname in LOOPBACK else "0.0.0.0"  # noqa: S104 - the provider's ingress
    return {"host": host, "port": parts.port or (443 if parts.scheme == "https" else 80)}


def desired(pool):
    """The applications of every pool on the same cluster (one Serve list per cluster)."""
    serving = (
        Endpoint.objects.filter(
            pool__cluster_dashboard_url=pool.cluster_dashboard_url, state__in=SERVING
        )
        .select_related("version", "next_version", "pool")
        .order_by("pk")
    )
    config = {"applications": [application(endpoint) for endpoint in serving]}
    options = http_options(pool)
    if options:
        config["http_options"] = options
    return config


def push(pool):
    """Send the full list of applications of the pool's cluster; ``ClusterUnreachable`` if it
    would not take it. On PostgreSQL one push at a time per pool (a row lock); whichever list
    lands last, the next heartbeat sends the list as it then stands."""
    with transaction.atomic():
        locked = ComputePool.objects.select_for_update().get(pk=pool.pk)
        if not locked.cluster_dashboard_url:
            return
        config = desired(locked)
        ray_cluster.request_json(
            locked.cluster_dashboard_url,
            APPLICATIONS_PATH,
            locked.cluster_token,
            "PUT",
            config,
            timeout=ray_cluster.ACTION_TIMEOUT_SECONDS,
        )


def ever_used(pool):
    """Whether OneStop ever deployed on the pool's cluster: until then the heartbeat leaves the
    cluster's Serve as it is."""
    return Endpoint.objects.filter(pool__cluster_dashboard_url=pool.cluster_dashboard_url).exists()


def push_quietly(pool):
    """``push``, for callers whose own work is done whatever the cluster says (a stop, a
    scale): a failure is logged, and the next heartbeat pushes again."""
    try:
        push(pool)
    except ray_cluster.ClusterUnreachable as exc:
        logger.warning("could not update the Serve applications of pool %s: %s", pool.pk, exc)
        return False
    return True


@dataclass(frozen=True)
class AppStatus:
    status: str  # Ray Serve's: DEPLOYING, RUNNING, DEPLOY_FAILED, UNHEALTHY, DELETING...
    message: str
    replicas: frozenset  # the ids of its replicas that are running or starting


GONE_STATES = {"STOPPING", "STOPPED"}


def statuses(pool):
    """{endpoint id: ``AppStatus``} for OneStop's applications on the pool's cluster."""
    answer = ray_cluster.request_json(
        pool.cluster_dashboard_url, APPLICATIONS_PATH, pool.cluster_token
    )
    found = {}
    try:
        for name, app in ((answer or {}).get("applications") or {}).items():
            suffix = name.removeprefix(APP_PREFIX)
            if suffix == name or not suffix.isdigit():
                continue
            replicas = frozenset(
                str(replica["replica_id"])
                for deployment in (app.get("deployments") or {}).values()
                for replica in deployment.get("replicas") or []
                if replica.get("state") not in GONE_STATES
            )
            found[int(suffix)] = AppStatus(
                str(app.get("status", "")), str(app.get("message", ""))[:2000], replicas
            )
    except (AttributeError, TypeError, KeyError):
        raise ray_cluster.ClusterUnreachable(
            _("The Ray dashboard's Serve status is not readable.")
        ) from None
    return found
