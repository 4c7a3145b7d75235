"""What an endpoint's replicas ask of OneStop: the model by its SHA-256, and a place on the
gateway's list. Only the endpoint's own replica token opens either, only for an endpoint on a
cluster pool that is serving; a malformed registration is answered 400 with the reason."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from deployment.compute.tokens import replica_token, token_opens
from deployment.models import Endpoint
from tests import onnx_files as files
from tests.ray_cluster import free_port
from tests.serving_factories import published


@pytest.fixture
def on_cluster(world, tmp_path):
    """An endpoint warming on a pool whose cluster is not running (nothing listens there)."""
    from tests import deployment_factories as make

    pool = make.pool(cluster_dashboard_url=f"http://127.0.0.1:{free_port()}")
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    return Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=version,
        pool=pool,
        state=Endpoint.State.WARMING,
    )


def as_replica(endpoint_or_token):
    token = endpoint_or_token
    if isinstance(endpoint_or_token, Endpoint):
        token = replica_token(endpoint_or_token)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_opens_its_own_endpoint_and_generation_only():
    seven, eight = Endpoint(pk=7, replica_generation="a" * 32), Endpoint(pk=8)
    token = replica_token(seven)
    assert token_opens(token, seven)
    assert not token_opens(token, eight)
    assert not token_opens(token.replace("rp_7_", "rp_8_"), eight)
    assert not token_opens(token[:-1] + ("0" if token[-1] != "0" else "1"), seven)
    assert not token_opens("ep_abc_def", seven)
    assert not token_opens("", seven)
    seven.replica_generation = "b" * 32  # the endpoint stopped: a new generation
    assert not token_opens(token, seven)


def test_stopping_an_endpoint_retires_its_replicas_token(on_cluster, world):
    from deployment.services.endpoints.lifecycle import endpoint_stop

    url = reverse("compute_artifact", args=[on_cluster.version.sha256])
    old = as_replica(on_cluster)
    assert old.get(url).status_code == 200
    endpoint_stop(endpoint=on_cluster, user=world.owner_a)
    Endpoint.objects.filter(pk=on_cluster.pk).update(state=Endpoint.State.WARMING)  # resumed
    assert old.get(url).status_code == 401
    on_cluster.refresh_from_db()
    assert as_replica(on_cluster).get(url).status_code == 200


def test_the_replica_fetches_exactly_the_published_model(on_cluster):
    url = reverse("compute_artifact", args=[on_cluster.version.sha256])
    answer = as_replica(on_cluster).get(url)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == on_cluster.version.artifact_path.read_bytes()
    assert Client().get(url).status_code == 401
    other = Endpoint(pk=on_cluster.pk + 1, replica_generation=on_cluster.replica_generation)
    assert as_replica(replica_token(other)).get(url).status_code == 401
    other = reverse("compute_artifact", args=["0" * 64])
    refused = as_replica(on_cluster).get(other)
    assert refused.status_code == 404
    assert "SHA-256" in refused.json()["error"]


def test_a_stopped_endpoint_hands_out_nothing(on_cluster):
    Endpoint.objects.filter(pk=on_cluster.pk).update(state=Endpoint.State.STOPPED)
    url = reverse("compute_artifact", args=[on_cluster.version.sha256])
    assert as_replica(on_cluster).get(url).status_code == 404
    registered = as_replica(on_cluster).post(
        reverse("compute_replicas"),
        {"replica": "r1", "address": "http://127.0.0.1:9", "provider": "CPUExecutionProvider"},
        content_type="application/json",
    )
    assert registered.status_code == 409


def test_an_endpoint_served_in_process_has_no_replica_token(world, tmp_path):
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    endpoint = Endpoint.objects.create(
        company=world.company_a, name="local-1", version=version, state=Endpoint.State.READY
    )
    url = reverse("compute_artifact", args=[version.sha256])
    assert as_replica(endpoint).get(url).status_code == 401


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("not json", "not valid"),
        ({"address": "http://127.0.0.1:9", "provider": "CPU"}, "replica"),
        ({"replica": "r 1", "address": "http://127.0.0.1:9", "provider": "CPU"}, "replica"),
        ({"replica": "r1", "address": "http://127.0.0.1:9/x", "provider": "CPU"}, "address"),
        ({"replica": "r1", "address": "https://127.0.0.1:9", "provider": "CPU"}, "address"),
        ({"replica": "r1", "address": "http://127.0.0.1", "provider": "CPU"}, "address"),
        ({"replica": "r1", "address": "http://u:p@127.0.0.1:9", "provider": "CPU"}, "address"),
        ({"replica": "r1", "address": "http://127.0.0.1:9", "provider": "<b>"}, "provider"),
        (
            {"replica": "r1", "address": "http://127.0.0.1:9", "provider": "CPU", "sha256": "x"},
            "sha256",
        ),
        ({"replica": "r1", "address": "http://127.0.0.1:9", "provider": "CPU", "pid": "1"}, "pid"),
        (
            {"replica": "r1", "address": "http://127.0.0.1:9", "provider": "CPU", "emulated": 1},
            "emulated",
        ),
    ],
)
def test_a_malformed_registration_is_refused_with_the_reason(on_cluster, body, why):
    raw = body if isinstance(body, str) else json.dumps(body)
    answer = as_replica(on_cluster).post(
        reverse("compute_replicas"), raw, content_type="application/json"
    )
    assert answer.status_code == 400
    assert why in answer.json()["error"]
    assert not on_cluster.cluster_replicas.exists()


def test_a_registration_waits_for_a_cluster_that_can_vouch_for_the_address(on_cluster):
    answer = as_replica(on_cluster).post(
        reverse("compute_replicas"),
        {"replica": "r1", "address": "http://127.0.0.1:9", "provider": "CPUExecutionProvider"},
        content_type="application/json",
    )
    assert answer.status_code == 503
    assert "could not read the cluster" in answer.json()["error"]
    assert not on_cluster.cluster_replicas.exists()


def test_an_oversized_registration_is_refused(on_cluster):
    answer = as_replica(on_cluster).post(
        reverse("compute_replicas"), "x" * 5000, content_type="application/json"
    )
    assert answer.status_code == 413


@pytest.mark.ray
def test_a_replica_may_answer_only_on_a_node_of_the_pools_cluster(on_cluster, ray_cluster):
    pool = on_cluster.pool
    pool.cluster_dashboard_url, pool.cluster_token = ray_cluster.dashboard_url, ray_cluster.token
    pool.save()
    # Anywhere else (OneStop's own database, say) the gateway would send callers' requests.
    answer = as_replica(on_cluster).post(
        reverse("compute_replicas"),
        {"replica": "r1", "address": "http://10.255.0.9:5432", "provider": "CPUExecutionProvider"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "not on a live node" in answer.json()["error"]
    assert not on_cluster.cluster_replicas.exists()


@pytest.mark.parametrize(
    ("host", "dashboard", "refused"),
    [
        ("10.0.3.7", "10.0.3.1", False),
        ("169.254.169.254", "10.0.3.1", True),  # a cloud's metadata service
        ("node-7.internal", "10.0.3.1", True),  # a name could be pointed elsewhere later
        ("127.0.0.1", "ray-head.example", True),
        ("127.0.0.1", "127.0.0.1", False),  # a cluster on this machine
        ("0.0.0.0", "10.0.3.1", True),  # noqa: S104 - the address refused
        ("224.0.0.1", "10.0.3.1", True),
    ],
)
def test_the_gateway_is_never_sent_where_no_node_answers(host, dashboard, refused):
    from deployment.compute.views import address_problem

    assert (address_problem(host, dashboard) is not None) is refused
