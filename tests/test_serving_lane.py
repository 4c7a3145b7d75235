"""The /v2 fast lane of the ASGI application `make run` serves (onestop.asgi): inference calls
answered without the portal's middleware, with keys, hosts, size limits and the security
settings still enforced; small requests to fast models answered on the event loop, others in
threads, so a runaway model stopped at its deadline never holds up anyone else."""

import asyncio
import json
import time

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from deployment.models import Endpoint
from deployment.serving import handling
from deployment.serving.sessions import clear
from tests import onnx_files as files
from tests.serving_factories import endpoint

GOOD = {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}


@pytest.fixture(autouse=True)
def _fresh_sessions():
    clear()
    yield
    clear()


@pytest.fixture
def served(transactional_db, world, tmp_path):
    _created, key = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    return key


async def call(path, key=None, body=b"", host="127.0.0.1", method=None, headers=()):
    """(status, headers, body) from onestop.asgi.application, as uvicorn calls it."""
    from onestop.asgi import application

    sent = [(b"host", host.encode()), (b"content-type", b"application/json"), *headers]
    if key:
        sent.append((b"authorization", f"Bearer {key}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method or ("POST" if body else "GET"),
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": sent,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(timeout=30)
    chunks = []
    while True:
        message = await communicator.receive_output(timeout=30)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, b"".join(chunks)


def sync_call(*args, **kwargs):
    return async_to_sync(call)(*args, **kwargs)


def infer_body(request_id="lane"):
    return json.dumps({"id": request_id, "inputs": [GOOD]}).encode()


def test_the_lane_answers_and_keeps_keys_hosts_and_security_headers(served):
    status, headers, raw = sync_call("/v2/models/press-line-1/infer", served, infer_body("w"))
    assert status == 200
    assert json.loads(raw)["id"] == "w"
    assert json.loads(raw)["outputs"][0]["data"] == [10.0, 10.0]
    assert headers["x-content-type-options"] == "nosniff"
    assert sync_call("/v2/models/press-line-1/infer", "ep_bad_key", infer_body())[0] == 401
    assert sync_call("/v2/models/press-line-1/infer", None, infer_body())[0] == 401
    status, _headers, raw = sync_call("/v2/models/press-line-1/infer", served, b"{")
    assert status == 400
    assert "JSON" in json.loads(raw)["error"]
    assert sync_call("/v2/models/elsewhere/infer", served, infer_body())[0] == 404
    bad_host = sync_call("/v2/models/press-line-1/infer", served, infer_body(), host="evil.example")
    assert bad_host[0] == 400
    # Health, metadata and the portal go through Django, with its own checks.
    assert sync_call("/v2/health/ready")[0] == 200
    assert sync_call("/v2/health/ready", host="evil.example")[0] == 400
    assert sync_call("/healthz")[0] == 200


def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(served, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    status, _headers, raw = sync_call("/v2/models/press-line-1/infer", served, b" " * 5000)
    assert status == 413
    assert "1000 bytes" in json.loads(raw)["error"]


def test_https_is_enforced_as_the_portal_enforces_it(served, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    status, headers, _raw = sync_call("/v2/models/press-line-1/infer", served, infer_body())
    assert status == 301
    assert headers["location"] == "https://127.0.0.1/v2/models/press-line-1/infer"
    behind_proxy = [(b"x-forwarded-proto", b"https")]
    # The header is anyone's to send: believed only when the settings say a proxy is in front.
    settings.SECURE_PROXY_SSL_HEADER = None
    status, _headers, _raw = sync_call(
        "/v2/models/press-line-1/infer", served, infer_body(), headers=behind_proxy
    )
    assert status == 301
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    status, headers, _raw = sync_call(
        "/v2/models/press-line-1/infer", served, infer_body(), headers=behind_proxy
    )
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=3600")


def test_small_requests_to_a_fast_model_are_answered_on_the_event_loop(served, monkeypatch):
    from onestop.asgi import application

    handed_over = []
    submit = application.pool.submit
    monkeypatch.setattr(
        application.pool, "submit", lambda *a, **k: handed_over.append(a) or submit(*a, **k)
    )
    # The first request verifies the key and loads the model (in a thread): nothing to go on.
    assert handling.inline_known(f"Bearer {served}", infer_body()) is None
    assert sync_call("/v2/models/press-line-1/infer", served, infer_body())[0] == 200
    assert len(handed_over) == 1
    # Now the key is known, the model loaded, measured fast at validation and bounded.
    known, model = handling.inline_known(f"Bearer {served}", infer_body())
    assert known.name == "press-line-1"
    assert model.bounded
    big = b" " * (handling.INLINE_BODY_BYTES + 1)
    assert handling.inline_known(f"Bearer {served}", big) is None
    assert handling.inline_known("Bearer ep_unknown_key", infer_body()) is None
    for _ in range(3):
        assert sync_call("/v2/models/press-line-1/infer", served, infer_body())[0] == 200
    assert len(handed_over) == 1  # the later ones never left the event loop


def test_a_runaway_model_is_stopped_at_its_deadline_while_others_are_answered(
    served, world, tmp_path
):
    _loop, loop_key = endpoint(
        world.company_a,
        files.input_driven_loop(tmp_path / "loop.onnx"),
        name="looper",
        deadline_ms=1500,
    )
    runaway = json.dumps(
        {
            "inputs": [
                {"name": "x", "shape": [1], "datatype": "FP32", "data": [0]},
                {"name": "trips", "shape": [], "datatype": "INT64", "data": [10**12]},
            ]
        }
    ).encode()

    async def timed(coroutine):
        result = await coroutine
        return result, time.perf_counter()

    async def scenario():
        started = time.perf_counter()
        stuck = asyncio.ensure_future(timed(call("/v2/models/looper/infer", loop_key, runaway)))
        await asyncio.sleep(0.2)  # the runaway is running
        others = [
            await timed(call("/v2/models/press-line-1/infer", served, infer_body(f"o{n}")))
            for n in range(5)
        ]
        return started, await stuck, others

    started, ((status, _h, raw), stopped_at), others = async_to_sync(scenario)()
    assert status == 504
    assert "1500 ms" in json.loads(raw)["error"]
    assert 1.4 < stopped_at - started < 5
    for (other_status, _headers, _body), answered_at in others:
        assert other_status == 200
        assert answered_at < stopped_at  # answered while the runaway was still running


def test_a_starting_server_warms_the_ready_endpoints_models(served, world, tmp_path):
    from deployment.serving.sessions import loaded
    from onestop.asgi import application

    _stopped, _key = endpoint(
        world.company_a, files.good(tmp_path / "s.onnx", opset=14), name="stopped", state="stopped"
    )
    ready = Endpoint.objects.get(name="press-line-1")
    stopped = Endpoint.objects.get(name="stopped")

    async def start():
        communicator = ApplicationCommunicator(application, {"type": "lifespan"})
        await communicator.send_input({"type": "lifespan.startup"})
        return await communicator.receive_output(timeout=30)

    assert async_to_sync(start)() == {"type": "lifespan.startup.complete"}
    assert loaded(ready.version)
    assert not loaded(stopped.version)


def test_a_model_missing_from_this_server_is_a_503_counted_as_an_error(served):
    from deployment.serving import tallies

    tallies.flush()
    ready = Endpoint.objects.get(name="press-line-1")
    ready.version.artifact_path.unlink()
    status, _headers, raw = sync_call("/v2/models/press-line-1/infer", served, infer_body())
    assert status == 503
    assert "could not be loaded" in json.loads(raw)["error"]
    tallies.flush()
    row = ready.usage.get(period="minute")
    assert (row.requests, row.errors) == (1, 1)


def test_no_size_limit_and_a_caller_who_hung_up(served, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None  # Django's "no limit"
    assert sync_call("/v2/models/press-line-1/infer", served, infer_body())[0] == 200

    from onestop.asgi import application

    async def hang_up():
        scope = {
            "type": "http",
            "method": "POST",
            "scheme": "http",
            "path": "/v2/models/press-line-1/infer",
            "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {served}".encode())],
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.disconnect"})
        await communicator.wait(timeout=5)
        return await communicator.receive_nothing()

    assert async_to_sync(hang_up)()  # no answer is sent to nobody
