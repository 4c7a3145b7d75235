"""Endpoints whose replicas run on a provider's Ray cluster: a Ray Serve application per
endpoint, replicas that fetch the model from OneStop and answer OneStop's gateway, restarts
recorded, the units given back on stop. On a real local Ray head (tests/ray_cluster.py) and
a live OneStop server the replicas call back."""

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as triton
from django.conf import settings
from django.urls import reverse

from deployment import tasks
from deployment.compute import ray_cluster as ray_cluster_api
from deployment.compute import serve_apps
from deployment.models import Endpoint, EndpointEvent, EndpointKey, EndpointReplica
from deployment.services.endpoints.lifecycle import endpoint_scale, endpoint_stop
from deployment.services.endpoints.pipeline import endpoint_create
from tests import onnx_files as files
from tests.ray_cluster import free_port
from tests.serving_factories import granted, published

pytestmark = [pytest.mark.ray, pytest.mark.usefixtures("fresh_serving_caches")]


def wait_until(predicate, seconds=90, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@pytest.fixture
def on_cluster(transactional_db, world, live_server, ray_cluster, tmp_path, settings):
    """A company with a grant of 2 units on an ATOM pool backed by the local Ray cluster, and a
    published model; OneStop's address is the live server, which the replicas call."""
    settings.SITE_URL = live_server.url
    settings.ONESTOP_CLUSTER_START_SECONDS = 120
    grant = granted(
        world.company_a,
        units=2,
        flavor="rbln-atom",
        cluster_dashboard_url=ray_cluster.dashboard_url,
        cluster_serve_url=f"http://127.0.0.1:{free_port()}",
        cluster_token=ray_cluster.token,
    )
    tasks.cluster_pools_heartbeat()
    grant.pool.refresh_from_db()
    assert grant.pool.unavailable_reason == "", grant.pool.unavailable_reason
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    yield world, grant, version
    # Serve goes with whatever the test left running: the next test starts from a bare cluster.
    ray_cluster_api.request_json(
        ray_cluster.dashboard_url, serve_apps.APPLICATIONS_PATH, ray_cluster.token, "DELETE"
    )


def infer(client, key, binary, bias=0.0):
    data = np.arange(8, dtype=np.float32).reshape(2, 4)
    tensor = triton.InferInput("x", [2, 4], "FP32")
    tensor.set_data_from_numpy(data, binary_data=binary)
    wanted = [triton.InferRequestedOutput("y", binary_data=binary)]
    result = client.infer(
        "press-line-1", [tensor], outputs=wanted, headers={"Authorization": f"Bearer {key}"}
    )
    expected = data @ np.ones((4, 2), np.float32) + bias
    np.testing.assert_allclose(result.as_numpy("y"), expected)


def free_units(pool):
    tasks.cluster_pools_heartbeat()
    pool.refresh_from_db()
    return pool.heartbeat.get("free_units")


def test_an_endpoint_runs_on_the_cluster_scales_survives_a_lost_replica_and_stops(
    on_cluster, owner_client
):
    world, grant, version = on_cluster
    endpoint = endpoint_create(
        company=world.company_a,
        version=version,
        grant=grant,
        name="press-line-1",
        user=world.owner_a,
        max_replicas=2,
    )
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.READY, (endpoint.reason, endpoint.next_step)
    replica = EndpointReplica.objects.get(endpoint=endpoint)
    assert replica.provider == "CPUExecutionProvider"
    assert replica.emulated  # no ONNX Runtime provider for ATOM: its CPU stands in
    apps = serve_apps.statuses(grant.pool)
    assert apps[endpoint.pk].status == "RUNNING"
    assert replica.ray_replica in apps[endpoint.pk].replicas
    assert wait_until(lambda: free_units(grant.pool) == 1, 30)
    page = owner_client.get(reverse("endpoint_detail", args=[endpoint.pk])).content.decode()
    assert 'data-testid="emulated"' in page  # the owner sees the NPU is stood in for
    assert replica.ray_replica in page

    _key, raw = EndpointKey.issue(endpoint)
    client = triton.InferenceServerClient(url=settings.SITE_URL.removeprefix("http://"))
    infer(client, raw, binary=False)
    infer(client, raw, binary=True)
    tried = owner_client.post(
        reverse("endpoint_try", args=[endpoint.pk]), {f"x{i}": "1" for i in range(4)}
    )
    assert tried.status_code == 200, tried.content
    assert tried.json()["outputs"]["y"] == [[4.0, 4.0]]  # x·W, W of ones, run by the replica

    endpoint_scale(endpoint=endpoint, user=world.owner_a, min_replicas=2, max_replicas=2)
    assert wait_until(lambda: len(serve_apps.statuses(grant.pool)[endpoint.pk].replicas) == 2)
    live = wait_until(
        lambda: (
            list(EndpointReplica.objects.filter(endpoint=endpoint, lost_at__isnull=True))
            if EndpointReplica.objects.filter(endpoint=endpoint, lost_at__isnull=True).count() == 2
            else None
        )
    )
    assert live, "the second replica did not register"

    os.kill(live[0].pid, signal.SIGKILL)
    for _ in range(6):  # the requests keep being answered, by the other replica
        infer(client, raw, binary=True)

    def restarted():
        """A new replica in the killed one's place, and an event naming both."""
        tasks.cluster_pools_heartbeat()
        running = EndpointReplica.objects.filter(endpoint=endpoint, lost_at__isnull=True)
        new = set(running.values_list("ray_replica", flat=True)) - {r.ray_replica for r in live}
        events = EndpointEvent.objects.filter(endpoint=endpoint)
        return any(
            events.filter(message__contains=live[0].ray_replica)
            .filter(message__contains=n)
            .exists()
            for n in new
        )

    restarted = wait_until(restarted, seconds=120, step=2)
    assert restarted, list(endpoint.events.values_list("message", flat=True))

    endpoint_stop(endpoint=endpoint, user=world.owner_a)
    assert wait_until(lambda: endpoint.pk not in serve_apps.statuses(grant.pool), 60)
    assert not EndpointReplica.objects.filter(endpoint=endpoint).exists()
    assert wait_until(lambda: free_units(grant.pool) == 2, 60)
    print(*endpoint.events.order_by("at", "pk").values_list("message", flat=True), sep="\n")


def deployed(on_cluster):
    """(endpoint, key, client): one replica deployed on the cluster, ready."""
    world, grant, version = on_cluster
    endpoint = endpoint_create(
        company=world.company_a, version=version, grant=grant, name="press-line-1", user=None
    )
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.READY, endpoint.reason
    _key, raw = EndpointKey.issue(endpoint)
    client = triton.InferenceServerClient(url=settings.SITE_URL.removeprefix("http://"))
    return endpoint, raw, client


def heartbeat_until(endpoint, state, seconds=150):
    def reached():
        tasks.cluster_pools_heartbeat()
        endpoint.refresh_from_db()
        return endpoint.state == state

    return wait_until(reached, seconds, step=1)


def test_an_endpoint_is_degraded_while_its_cluster_is_away_and_comes_back_by_itself(
    on_cluster, ray_cluster
):
    endpoint, raw, client = deployed(on_cluster)

    # The head's processes stop answering (the dashboard with them); the replicas, which Ray
    # runs in worker processes of their own, go on.
    os.killpg(ray_cluster.process.pid, signal.SIGSTOP)
    try:
        tasks.cluster_pools_heartbeat()
        endpoint.refresh_from_db()
        assert endpoint.state == Endpoint.State.DEGRADED
        assert "did not answer" in endpoint.reason or "응답하지" in endpoint.reason
        infer(client, raw, binary=False)  # a degraded endpoint still tries its replicas
    finally:
        os.killpg(ray_cluster.process.pid, signal.SIGCONT)

    assert heartbeat_until(endpoint, Endpoint.State.READY), endpoint.reason
    infer(client, raw, binary=True)
    messages = list(endpoint.events.values_list("message", flat=True))
    assert any("ready" in m.lower() or "준비" in m for m in messages[:2]), messages


def test_a_roll_on_the_cluster_switches_once_a_replica_of_the_new_version_answers(
    on_cluster, tmp_path
):
    from deployment.services.endpoints.lifecycle import endpoint_roll

    world, _grant, version = on_cluster
    endpoint, raw, client = deployed(on_cluster)
    infer(client, raw, binary=True)
    shifted = published(
        world.company_a,
        files.good(tmp_path / "shifted.onnx", bias=1.0),
        version="2.0",
        family=version.family,
    )

    endpoint_roll(endpoint=endpoint, version=shifted, user=world.owner_a)
    endpoint.refresh_from_db()
    assert endpoint.version == shifted  # switched only after a replica of 2.0 answered
    assert endpoint.next_version is None
    new = EndpointReplica.objects.filter(endpoint=endpoint, sha256=shifted.sha256)
    assert new.exists()

    # The old replica stops as Ray Serve finishes the roll; the answers come from 2.0.
    def only_new_ones():
        tasks.cluster_pools_heartbeat()  # records the old replica's end
        live = EndpointReplica.objects.filter(endpoint=endpoint, lost_at__isnull=True)
        return not live.exclude(sha256=shifted.sha256).exists()

    assert wait_until(only_new_ones, 60, 1)
    for _ in range(3):
        infer(client, raw, binary=False, bias=1.0)


def test_an_npu_ready_forest_answers_on_the_atom_pool_as_the_trained_model_does(
    on_cluster, tmp_path
):
    import onnx
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    from diagnosis.datacheck.npu_export import npu_model

    world, grant, _version = on_cluster
    table = np.loadtxt(
        Path(__file__).parent / "data" / "ai4i2020.csv",
        delimiter=",",
        skiprows=1,
        usecols=(3, 4, 5, 6, 7, 8),
    )
    X, y = table[:, :5].astype(np.float32), table[:, 5].astype(int)
    forest = RandomForestClassifier(n_estimators=20, max_depth=8, random_state=3)
    trained = make_pipeline(SimpleImputer(strategy="median"), forest).fit(X[:8000], y[:8000])
    path = tmp_path / "forest-npu.onnx"
    onnx.save(npu_model(trained, 5, "binary"), path)
    version = published(world.company_a, path, name="press failures npu")
    assert "rbln-atom" in version.flavors  # the ATOM compiler takes it: no ai.onnx.ml operator

    endpoint = endpoint_create(
        company=world.company_a, version=version, grant=grant, name="press-failures", user=None
    )
    endpoint.refresh_from_db()
    assert endpoint.state == Endpoint.State.READY, endpoint.reason
    _key, raw = EndpointKey.issue(endpoint)
    client = triton.InferenceServerClient(url=settings.SITE_URL.removeprefix("http://"))
    rows = X[8000:8064]
    tensor = triton.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=True)
    result = client.infer("press-failures", [tensor], headers={"Authorization": f"Bearer {raw}"})
    np.testing.assert_array_equal(result.as_numpy("label"), trained.predict(rows))
    np.testing.assert_allclose(
        result.as_numpy("probabilities"), trained.predict_proba(rows), atol=1e-5
    )


def test_health_watches_an_endpoint_served_on_the_cluster_as_it_does_one_served_here(
    on_cluster, client
):
    """The gateway forwards the bodies unread; the flush reads what went to the replica and
    what came back against the version's signature: drift on the shifted input only, each
    answer kept by request id, and labels reported later scored against those answers."""
    from datetime import timedelta

    from django.utils import timezone

    from deployment.health import observe
    from deployment.health.accuracy import accuracy_between
    from deployment.health.reference import build_profile
    from deployment.health.summary import endpoint_health
    from deployment.models import PredictionRecord, Task

    _world, _grant, version = on_cluster
    rng = np.random.default_rng(21)
    learnt_from = rng.normal(10.0, 2.0, size=(3000, 4)).astype(np.float32)
    version.reference = build_profile(learnt_from, [], source="training")
    version.save(update_fields=["reference"])
    version.family.task = Task.REGRESSION
    version.family.save(update_fields=["task"])
    observe.discard()
    endpoint, raw, triton_client = deployed(on_cluster)

    def send(rows, prefix, binary):
        for start in range(0, len(rows), 5):
            batch = rows[start : start + 5]
            tensor = triton.InferInput("x", list(batch.shape), "FP32")
            tensor.set_data_from_numpy(batch, binary_data=binary)
            triton_client.infer(
                "press-line-1",
                [tensor],
                outputs=[triton.InferRequestedOutput("y", binary_data=binary)],
                request_id=f"{prefix}-{start // 5}",
                headers={"Authorization": f"Bearer {raw}"},
            )

    calm = rng.normal(10.0, 2.0, size=(400, 4)).astype(np.float32)
    send(calm[:200], "calm-json", binary=False)
    send(calm[200:], "calm-bin", binary=True)
    observe.flush()
    drift = endpoint_health(endpoint, days=1)["drift"]
    assert drift["rows"] == 400
    assert all(item["psi"] < 0.1 for item in drift["inputs"]), drift["inputs"]

    shifted = rng.normal(10.0, 2.0, size=(400, 4)).astype(np.float32)
    shifted[:, 2] += 6.0  # three spreads warmer on the third input only
    send(shifted, "shifted", binary=True)
    observe.flush()
    by_name = {item["name"]: item for item in endpoint_health(endpoint, days=1)["drift"]["inputs"]}
    assert by_name["input[2]"]["psi"] >= 0.25, by_name
    for name in ("input[0]", "input[1]", "input[3]"):
        assert by_name[name]["psi"] < 0.1, (name, by_name[name])

    # Each row's answer is kept under "<id>#<row>": y = x·W with W of ones, the replica's run.
    records = PredictionRecord.objects.filter(endpoint=endpoint)
    assert records.count() == 800
    first = records.get(request_id="calm-bin-0#3")
    assert first.predicted_value == pytest.approx(float(calm[203].sum()), rel=1e-5)

    truths = {
        f"calm-json-{i}#{r}": float(calm[i * 5 + r].sum()) + 0.5 for i in range(4) for r in range(5)
    }
    posted = client.post(
        "/api/v1/endpoints/press-line-1/feedback",
        data=[{"id": key, "label": value} for key, value in truths.items()],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert posted.status_code == 200, posted.content
    assert endpoint_health(endpoint, days=1)["accuracy"]["labelled"] == 20
    now = timezone.now()
    measured = accuracy_between(endpoint, now - timedelta(days=1), now)
    assert measured["mae"] == pytest.approx(0.5, abs=1e-3)  # every label half a unit above
