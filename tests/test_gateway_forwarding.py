"""The gateway in front of replicas it does not trust: a replica's answer is passed on only
when it is the protocol's (status, content type, numeric headers), within the deadline however
slowly it trickles, and within the size cap; a replica that refuses connections is marked
lost and the request goes to another one. The replicas here are real HTTP servers on this
machine, each misbehaving one way."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from deployment.models import Endpoint, EndpointEvent, EndpointKey, EndpointReplica
from deployment.serving import forwarding
from tests import deployment_factories as make
from tests import onnx_files as files
from tests.ray_cluster import free_port
from tests.serving_factories import published

pytestmark = pytest.mark.usefixtures("fresh_serving_caches")
GOOD = json.dumps({"model_name": "press-line-1", "outputs": []}).encode()


def replica(behaviour):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            behaviour(self)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def answer(handler, status=200, body=GOOD, headers=None):
    handler.send_response(status)
    for name, value in {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Compute-Time-Us": "120",
        **(headers or {}),
    }.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture
def on_replicas(world, tmp_path):
    """An endpoint on a cluster pool whose replicas are the servers the test gives."""
    pool = make.pool(cluster_dashboard_url=f"http://127.0.0.1:{free_port()}")
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=version,
        pool=pool,
        state=Endpoint.State.READY,
        deadline_ms=300,
    )
    _key, raw = EndpointKey.issue(endpoint)
    servers = []

    def serve(*behaviours):
        for number, behaviour in enumerate(behaviours):
            server = replica(behaviour)
            servers.append(server)
            EndpointReplica.objects.create(
                endpoint=endpoint,
                ray_replica=f"r{number}",
                address=f"http://127.0.0.1:{server.server_address[1]}",
                provider="CPUExecutionProvider",
            )
        forwarding.forget()
        return endpoint

    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    yield (
        serve,
        lambda: client.post(
            "/v2/models/press-line-1/infer", b"{}", content_type="application/json"
        ),
    )
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_good_answer_is_passed_on_with_its_compute_time(on_replicas):
    serve, call = on_replicas
    endpoint = serve(answer)
    reply = call()
    assert reply.status_code == 200
    assert reply.content == GOOD
    from deployment.models import EndpointUsage
    from deployment.serving import tallies

    tallies.flush()
    usage = EndpointUsage.objects.get(endpoint=endpoint, period="minute")
    assert usage.requests == 1
    assert usage.compute_ms == pytest.approx(0.12)  # what the replica measured


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/html"},
        {"Inference-Header-Content-Length": "12; drop"},
        {"Compute-Time-Us": "-5"},
    ],
    ids=["html", "length not a number", "compute time not a number"],
)
def test_an_answer_with_headers_that_are_not_the_protocols_is_not_passed_on(on_replicas, headers):
    serve, call = on_replicas
    serve(lambda handler: answer(handler, headers=headers))
    reply = call()
    assert reply.status_code == 503
    assert "broken answer" in reply.json()["error"]
    assert b"<" not in reply.content


def test_a_replica_that_trickles_its_answer_is_cut_off_at_the_deadline(on_replicas):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.05)

    serve, call = on_replicas
    serve(trickle)
    started = time.monotonic()
    reply = call()
    assert reply.status_code == 504
    assert "300 ms" in reply.json()["error"]
    assert time.monotonic() - started < 3  # the deadline, plus the network's second


def test_an_answer_over_the_cap_is_refused_unread(on_replicas, monkeypatch):
    monkeypatch.setattr(forwarding, "MAX_ANSWER_BYTES", 1024)
    serve, call = on_replicas
    serve(lambda handler: answer(handler, body=b"[" + b"0," * 2000 + b"0]"))
    assert call().status_code == 503


def test_a_replica_that_is_gone_is_marked_lost_and_another_answers(on_replicas):
    serve, call = on_replicas
    endpoint = serve(answer, answer)
    gone = EndpointReplica.objects.get(endpoint=endpoint, ray_replica="r0")
    EndpointReplica.objects.filter(pk=gone.pk).update(address=f"http://127.0.0.1:{free_port()}")
    forwarding.forget()
    for _ in range(4):
        assert call().status_code == 200
    gone.refresh_from_db()
    assert gone.lost_at is not None
    assert EndpointEvent.objects.filter(endpoint=endpoint, message__contains=gone.address)


def test_try_it_reports_a_replica_answer_it_cannot_read_without_failing(on_replicas, owner_client):
    from django.urls import reverse

    serve, _call = on_replicas
    endpoint = serve(lambda handler: answer(handler, body=b'{"outputs": "not a list"}'))
    tried = owner_client.post(
        reverse("endpoint_try", args=[endpoint.pk]), {f"x{i}": "1" for i in range(4)}
    )
    assert tried.status_code == 502
    assert tried.json()["error"]
