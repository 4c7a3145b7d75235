"""Pools backed by a provider's Ray cluster: the heartbeat is read from the cluster itself
(nodes alive, units of the flavor's resource, how many are free), and a cluster that does not
answer makes its pool unavailable with the reason. The ``ray`` tests run on a real local Ray
cluster started for the session (tests/ray_cluster.py)."""

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import IntegrityError
from django.urls import reverse

from deployment import tasks
from deployment.models import ComputePool
from onestop.models import AuditEntry
from tests.ray_cluster import free_port

HTTP_ONLY = "http:// 또는 https:// 주소를 입력하세요."
NOT_READ = "아직 Ray 클러스터에서 상태를 읽지 않았습니다. 1분 안에 다음 상태 확인에서 읽습니다."
HOLD_ONE_UNIT = """
import sys, ray
ray.init(address=sys.argv[1], log_to_driver=False)

@ray.remote(resources={"RBLN": 1}, num_cpus=0)
class Holder:
    def ready(self):
        return True

holder = Holder.remote()
ray.get(holder.ready.remote(), timeout=90)
print("holding", flush=True)
sys.stdin.read()
"""


def register(provider, **cluster):
    body = {
        "name": f"ATOM {len(cluster)}-{free_port()}",
        "flavor": "rbln-atom",
        "capacity_units": 2,
        "price_per_unit_hour": "1800",
        "region": "seoul",
        **cluster,
    }
    return provider.post(reverse("deployment_api:pools"), body, format="json")


def shown(provider, pool_id):
    return provider.get(reverse("deployment_api:pool", args=[pool_id])).json()


def beat_until(provider, pool_id, predicate, seconds=45):
    """The pool as the API shows it after heartbeats, once ``predicate`` holds (Ray's resource
    report trails a change by a few seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        tasks.cluster_pools_heartbeat()
        pool = shown(provider, pool_id)
        if predicate(pool) or time.monotonic() > deadline:
            return pool
        time.sleep(1)


@pytest.mark.ray
def test_the_heartbeat_is_read_from_the_ray_cluster_and_follows_the_work_on_it(
    provider, ray_cluster
):
    created = register(
        provider, cluster_dashboard_url=ray_cluster.dashboard_url, cluster_token=ray_cluster.token
    )
    assert created.status_code == 201, created.json()
    pool = created.json()
    assert "cluster_token" not in pool
    assert pool["cluster_token_set"] is True
    assert pool["available"] is False  # nothing read from the cluster yet
    assert pool["unavailable_reason"] == NOT_READ

    pool = beat_until(provider, pool["id"], lambda p: p["available"])
    assert pool["available"] is True
    assert pool["unavailable_reason"] == ""
    beat = pool["heartbeat"]
    assert (beat["source"], beat["nodes_alive"], beat["cluster_units"]) == ("ray", 1, 2.0)
    assert beat["free_units"] == 2

    # A Ray driver takes one RBLN unit: the pool shows one free while it holds it.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_ONE_UNIT, ray_cluster.gcs_address],
        env=ray_cluster.driver_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "holding"
        pool = beat_until(provider, pool["id"], lambda p: p["heartbeat"]["free_units"] == 1)
        assert pool["heartbeat"]["free_units"] == 1
        assert pool["heartbeat"]["utilisation"] == 0.5
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    pool = beat_until(provider, pool["id"], lambda p: p["heartbeat"]["free_units"] == 2)
    assert pool["heartbeat"]["free_units"] == 2


@pytest.mark.ray
def test_a_cluster_that_refuses_the_token_or_is_gone_makes_the_pool_unavailable_with_the_reason(
    provider, ray_cluster
):
    wrong = register(
        provider, cluster_dashboard_url=ray_cluster.dashboard_url, cluster_token="not-the-token"
    ).json()
    # A port held bound but not listening: nothing else can take it while the test runs.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        address = f"http://127.0.0.1:{held.getsockname()[1]}"
        gone = register(provider, cluster_dashboard_url=address).json()
        tasks.cluster_pools_heartbeat()

    wrong, gone = shown(provider, wrong["id"]), shown(provider, gone["id"])
    assert wrong["available"] is False
    assert wrong["unavailable_reason"] == "Ray 클러스터가 OneStop의 토큰을 거부했습니다(HTTP 403)."
    assert gone["available"] is False
    assert gone["unavailable_reason"] == (
        "Ray 대시보드가 연결을 거부했습니다. 클러스터가 실행 중인지 확인하세요."
    )
    assert not ComputePool.objects.reporting().filter(pk__in=[wrong["id"], gone["id"]]).exists()

    # The provider mends the token: the next heartbeat brings the pool back by itself.
    mended = provider.patch(
        reverse("deployment_api:pool", args=[wrong["id"]]),
        {"cluster_token": ray_cluster.token},
        format="json",
    )
    assert mended.status_code == 200, mended.json()
    tasks.cluster_pools_heartbeat()
    back = shown(provider, wrong["id"])
    assert back["available"] is True
    assert back["unavailable_reason"] == ""
    assert ComputePool.objects.reporting().filter(pk=wrong["id"]).exists()
    change = AuditEntry.objects.filter(action="pool.update").latest("pk")
    assert change.after["cluster_token"] == "<redacted>"


class _NotRay(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"hello": "world"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_address_that_is_not_a_ray_dashboard_is_named_as_such(provider):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotRay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        pool = register(provider, cluster_dashboard_url=url).json()
        tasks.cluster_pools_heartbeat()
    finally:
        server.shutdown()
    pool = shown(provider, pool["id"])
    assert pool["available"] is False
    assert pool["unavailable_reason"] == "주소가 응답했지만 Ray 대시보드의 응답이 아닙니다."


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        ("ftp://ray.example:8265", "cluster_dashboard_url", HTTP_ONLY),
        (
            "http://ops:secret@ray.example:8265",
            "cluster_dashboard_url",
            "토큰은 주소 안에 넣지 말고 따로 입력하세요.",
        ),
        ("ftp://ray.example:8000", "cluster_serve_url", HTTP_ONLY),
        (
            "http://ray.example:8265/api/jobs/?x=1",
            "cluster_dashboard_url",
            "주소에는 스킴, 호스트, 포트만 입력하세요. 예: http://ray-head.example:8265.",
        ),
        (
            "bad token\r\nX-Evil: 1",
            "cluster_token",
            "토큰은 공백 없이 보이는 ASCII 문자 1~200자입니다.",
        ),
    ],
)
def test_cluster_addresses_must_be_plain_http_or_https(provider, address, field, message):
    answer = register(provider, **{field: address})
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"][field] == [message]
    assert not ComputePool.objects.exists()


def test_a_cluster_pool_takes_no_heartbeat_by_api_and_a_local_pool_cannot_have_a_cluster(
    provider,
):
    pool = register(provider, cluster_dashboard_url="http://ray.example:8265").json()
    sent = provider.post(
        reverse("deployment_api:pool_heartbeat", args=[pool["id"]]),
        {"free_units": 2, "utilisation": 0.1},
        format="json",
    )
    assert sent.status_code == 400
    assert sent.json()["error"]["fields"]["non_field_errors"] == [
        "이 풀의 상태 신호는 Ray 클러스터에서 직접 읽습니다. 따로 보낼 것이 없습니다."
    ]
    assert shown(provider, pool["id"])["last_heartbeat"] is None

    with pytest.raises(IntegrityError, match="pool_local_or_cluster"):
        ComputePool.objects.filter(pk=pool["id"]).update(local=True)


@pytest.mark.ray
def test_an_application_waits_while_the_cluster_is_away_and_is_granted_when_it_answers(
    provider, ray_cluster, world
):
    from deployment.models import Grant
    from deployment.programmes.deciding import application_decide
    from onestop.models import Application
    from tests import deployment_factories as make

    pool = register(
        provider, cluster_dashboard_url=ray_cluster.dashboard_url, cluster_token="stale-token"
    ).json()
    tasks.cluster_pools_heartbeat()
    application = make.application(
        world.company_a, world.owner_a, make.programme(), flavor="rbln-atom", units=1
    )
    application_decide(application=application, reviewer=world.officer, approve=True)
    assert Application.objects.get(pk=application.pk).state == Application.State.WAITLISTED
    assert not Grant.objects.filter(application=application).exists()

    provider.patch(
        reverse("deployment_api:pool", args=[pool["id"]]),
        {"cluster_token": ray_cluster.token},
        format="json",
    )
    tasks.cluster_pools_heartbeat()
    assert Application.objects.get(pk=application.pk).state == Application.State.APPROVED
    assert Grant.objects.get(application=application).pool_id == pool["id"]


def test_a_token_never_follows_the_pool_to_a_new_address_unless_given_again(provider):
    pool = register(
        provider, cluster_dashboard_url="http://ray-a.example:8265", cluster_token="token-a"
    ).json()
    url = reverse("deployment_api:pool", args=[pool["id"]])
    same_host = provider.patch(url, {"cluster_dashboard_url": "http://ray-a.example:8265/"})
    assert same_host.json()["cluster_token_set"] is True
    moved = provider.patch(url, {"cluster_dashboard_url": "http://ray-b.example:8265"})
    assert moved.status_code == 200
    assert moved.json()["cluster_token_set"] is False
    assert moved.json()["unavailable_reason"] == NOT_READ
    assert ComputePool.objects.get(pk=pool["id"]).cluster_token == ""
    both = provider.patch(
        url, {"cluster_dashboard_url": "http://ray-c.example:8265", "cluster_token": "token-c"}
    )
    assert both.json()["cluster_token_set"] is True
    assert ComputePool.objects.get(pk=pool["id"]).cluster_token == "token-c"


def test_the_desk_sees_a_clusters_addresses_in_the_admin_but_cannot_change_them(client, world):
    from tests import deployment_factories as make

    pool = make.pool(cluster_dashboard_url="http://ray-head.example:8265", cluster_token="t0k")
    client.force_login(world.officer)
    url = reverse("admin:deployment_computepool_change", args=[pool.pk])
    page = client.get(url).content.decode()
    assert "http://ray-head.example:8265" in page
    assert 'name="cluster_dashboard_url"' not in page  # shown, not a field
    assert "t0k" not in page
    client.post(url, {"cluster_dashboard_url": "http://10.0.0.1:5432", "name": pool.name})
    pool.refresh_from_db()
    assert pool.cluster_dashboard_url == "http://ray-head.example:8265"
