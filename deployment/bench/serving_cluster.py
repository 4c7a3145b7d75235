"""The serving benchmark's cluster rows: the same forest, deployed the way a company deploys it
on a pool backed by a provider's Ray cluster (here a local Ray head with 2 CPUs), and called
two ways at concurrency 1, 8 and 64:

- through OneStop's gateway (``/v2`` with the endpoint key, metered, with the deadline), which
  forwards to the endpoint's replica over a kept-alive connection to the replica's own server;
- through Ray Serve's own HTTP proxy, to the same replica (its Ray Serve entry point), with the
  replica token: a plain Ray Serve deployment of the model, reached the Ray way.

Both paths end in the same replica process running the same ONNX Runtime session, so the
difference is the path: OneStop's gateway and the replica's server against Serve's proxy and
router."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.conf import settings

from deployment.bench.serving_servers import free_port, instance_env

SETUP = """
import json, sys
from deployment.bench.serving_cluster import create_cluster_endpoint
print(json.dumps(create_cluster_endpoint(*sys.argv[1:])))
"""
ENDPOINT = "forest-cluster"


def cluster_endpoint(work, onestop, cluster, forest):
    """{key, replica token, Serve route, Serve URL}: the endpoint deployed on the local cluster
    by the running OneStop instance (the replica fetches the model from it and registers)."""
    serve_url = f"http://127.0.0.1:{free_port()}"
    env = {**instance_env(work), "CELERY_TASK_ALWAYS_EAGER": "1", "SITE_URL": onestop.url}
    code = f"import django; django.setup()\n{SETUP}"
    done = subprocess.run(
        [sys.executable, "-c", code, str(forest), cluster.dashboard_url, cluster.token, serve_url],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    if done.returncode:
        raise SystemExit(f"the cluster endpoint was not deployed:\n{done.stderr[-3000:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    if made["state"] != "ready":
        raise SystemExit(f"the cluster endpoint is {made['state']}: {made['reason']}")
    return {**made, "serve_url": serve_url}


def create_cluster_endpoint(forest, dashboard_url, token, serve_url):
    """Runs inside the instance: a provider's CPU pool on the cluster, a grant on it for the
    bench company, and the forest deployed there through the deploy pipeline."""
    from django.utils import timezone

    from deployment.compute.serve_apps import app_name
    from deployment.compute.tokens import replica_token
    from deployment.models import ComputePool, EndpointKey, ModelVersion
    from deployment.services.allocation import grant_create
    from deployment.services.endpoints.pipeline import endpoint_create
    from deployment.services.pools import clusters_heartbeat
    from onestop.models import Company, Partner

    company = Company.objects.get(name="벤치 제조")
    provider = Partner.objects.create(
        name="bench cloud", kind=Partner.Kind.COMPUTE_PROVIDER, contact_email="ops@example.com"
    )
    pool = ComputePool.objects.create(
        provider=provider,
        name="bench cluster",
        flavor="cpu",
        capacity_units=1,
        price_per_unit_hour=0,
        region="seoul",
        cluster_dashboard_url=dashboard_url,
        cluster_serve_url=serve_url,
        cluster_token=token,
    )
    clusters_heartbeat()
    now = timezone.now()
    grant = grant_create(
        company=company,
        pool=pool,
        guarantee_units=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    version = ModelVersion.objects.get(family__name="bench forest")
    endpoint = endpoint_create(
        company=company, version=version, grant=grant, name=ENDPOINT, user=None
    )
    endpoint.refresh_from_db()
    return {
        "key": EndpointKey.issue(endpoint)[1],
        "replica_token": replica_token(endpoint),
        "route": f"/{app_name(endpoint.pk)}",
        "state": endpoint.state,
        "reason": endpoint.reason,
    }


def cluster_rows(wrk, work, onestop, forest, body, expected, concurrency):
    """(rows, notes, whether the gateway made 5 × Ray Serve's proxy at every concurrency)."""
    from deployment.bench.serving import Peer, alternate, check, load, row
    from deployment.compute import local_cluster

    cluster = local_cluster.start_cluster(Path(work), units=2)
    try:
        made = cluster_endpoint(work, onestop, cluster, forest)
        proxy = Peer("Ray Serve proxy", made["serve_url"], made["route"])
        check(onestop, ENDPOINT, made["key"], body, expected)
        check(proxy, "", made["replica_token"], body, expected)
        rows, met = [], True
        for users in concurrency:
            ours, theirs = alternate(
                lambda users=users: load(wrk, work, onestop, ENDPOINT, made["key"], body, users),
                lambda users=users: load(
                    wrk, work, proxy, "", made["replica_token"], body, users, strict=False
                ),
            )
            met = met and ours["rps"] >= 5 * theirs["rps"]
            rows.append(
                row(f"forest on a Ray cluster, {users} connection(s)", "OneStop gateway", ours)
            )
            rows.append(
                row(
                    "",
                    "Ray Serve proxy (peer)",
                    theirs,
                    ratio=ours["rps"] / theirs["rps"] if theirs["rps"] else float("inf"),
                    vs="Ray Serve proxy",
                )
            )
    finally:
        local_cluster.stop_cluster(cluster)
    notes = [
        "cluster rows: a local Ray head (2 CPUs) on this machine; one replica of the forest "
        "(1 CPU); the gateway and Serve's proxy reach the same replica process; "
        f"target (gateway ≥ 5 × Ray Serve's proxy at every concurrency): "
        f"{'met' if met else 'NOT met'}; answers other than 200 or socket errors on the "
        "proxy's side are counted in its raw figures, not in its requests/s",
    ]
    return rows, notes, met
