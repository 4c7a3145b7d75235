"""What the serving process answers on its event loop: only models whose graph bounds their run
time by the input's shape, and only small requests. A request that steers a model into a long
run goes to a thread, even once its key and model are cached, so other tenants' calls and the
portal keep answering on a real uvicorn server."""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import onnx
import pytest
import uvicorn

from deployment.models import Endpoint
from deployment.serving import bounds, handling
from tests import onnx_files as files
from tests.serving_factories import endpoint

ROW = {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}


pytestmark = pytest.mark.usefixtures("fresh_serving_caches")


@pytest.mark.parametrize(
    ("build", "bounded"),
    [
        (files.good, True),
        (files.input_driven_loop, False),
        (files.endless_loop, False),
        (files.loop_inside_a_branch, False),
        (files.input_driven_range, False),
        (files.memory_hog, False),  # ConstantOfShape
        (files.custom_domain, False),
    ],
    ids=["linear", "loop", "endless", "loop-in-branch", "range", "constant-of-shape", "custom"],
)
def test_only_graphs_without_value_driven_work_count_as_bounded(tmp_path, build, bounded):
    path = build(tmp_path / "m.onnx")
    assert bounds.artifact_is_bounded(path) is bounded
    assert bounds.model_is_bounded(onnx.load(str(path))) is bounded


def test_a_file_that_is_not_onnx_is_not_bounded(tmp_path):
    assert bounds.artifact_is_bounded(files.garbage(tmp_path / "m.onnx")) is False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(transactional_db):
    """onestop.asgi served by uvicorn on a real socket, as `manage.py serve` runs it."""
    from onestop.asgi import application

    port = free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(15)


def fetch(url, key=None, body=None, timeout=30):
    """(status, JSON or text, seconds taken)."""
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - loopback
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - loopback
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as refused:
        status, raw = refused.code, refused.read()
    elapsed = time.perf_counter() - started
    kind = "json" if raw[:1] == b"{" else "text"
    return status, json.loads(raw) if kind == "json" else raw.decode(), elapsed


def looping(trips):
    return {
        "inputs": [
            {"name": "x", "shape": [1], "datatype": "FP32", "data": [0]},
            {"name": "trips", "shape": [], "datatype": "INT64", "data": [trips]},
        ]
    }


def test_a_runaway_request_after_the_key_and_model_are_cached_does_not_hold_the_server(
    server, world, tmp_path
):
    looper, loop_key = endpoint(
        world.company_a,
        files.input_driven_loop(tmp_path / "loop.onnx"),
        name="looper",
        deadline_ms=10_000,
    )
    _other, other_key = endpoint(
        world.company_b, files.good(tmp_path / "good.onnx"), name="press-line-b"
    )
    # Validation timed the loop on a trip count of 0 or 1: fast enough to be answered on the
    # loop by speed alone, which is what made the runaway possible.
    assert looper.version.latency_b1_ms <= handling.INLINE_LATENCY_MS

    # First calls verify both keys and load both models, in threads.
    status, answer, _s = fetch(f"{server}/v2/models/looper/infer", loop_key, looping(1))
    assert (status, answer["outputs"][0]["data"]) == (200, [1.0])
    other = (f"{server}/v2/models/press-line-b/infer", other_key, {"inputs": [ROW]})
    assert fetch(*other)[0] == 200
    assert handling.inline_known(f"Bearer {loop_key}", b"{}") is None  # cached, not inline

    with ThreadPoolExecutor(1) as runner:
        started = time.perf_counter()
        runaway = runner.submit(
            fetch, f"{server}/v2/models/looper/infer", loop_key, looping(10**12)
        )
        time.sleep(0.5)  # the runaway is running
        answered = [fetch(*other), fetch(f"{server}/healthz"), fetch(f"{server}/login/")]
        answered_by = time.perf_counter() - started
        assert not runaway.done()  # everything above was answered while it ran
        status, answer, _s = runaway.result(timeout=30)
    assert status == 504
    assert "10000 ms" in answer["error"]
    assert [reply[0] for reply in answered] == [200, 200, 200]
    assert answered[0][1]["outputs"][0]["data"] == [10.0, 10.0]
    for reply in answered:
        assert reply[2] < 4, reply[2]  # not the runaway's 10 s
    assert answered_by < 8


def test_a_bounded_fast_model_answers_small_requests_on_the_loop_and_many_rows_in_a_thread(
    server, world, tmp_path, monkeypatch
):
    from onestop.asgi import application

    _created, key = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    url = f"{server}/v2/models/press-line-1/infer"
    assert fetch(url, key, {"inputs": [ROW]})[0] == 200  # warms key and model, in a thread

    handed_over = []
    submit = application.pool.submit
    monkeypatch.setattr(
        application.pool, "submit", lambda *a, **k: handed_over.append(a) or submit(*a, **k)
    )
    assert fetch(url, key, {"inputs": [ROW]})[0] == 200
    assert handed_over == []  # one row: on the loop
    rows = handling.INLINE_ROWS + 1
    many = {"name": "x", "shape": [rows, 4], "datatype": "FP32", "data": [1.0] * rows * 4}
    status, answer, _s = fetch(url, key, {"inputs": [many]})
    assert status == 200
    assert answer["outputs"][0]["shape"] == [rows, 2]
    assert [call[0] for call in handed_over] == [handling.finish]  # run in a thread


def test_a_model_whose_graph_is_not_bounded_is_never_answered_on_the_loop(world, tmp_path):
    for build, name in ((files.input_driven_range, "ranger"), (files.good, "plain")):
        _created, key = endpoint(world.company_a, build(tmp_path / f"{name}.onnx"), name=name)
        bearer = f"Bearer {key}"
        body = json.dumps({"inputs": []}).encode()
        handling.metered_infer(bearer, name, None, body, None)  # verifies the key, loads
        known = handling.inline_known(bearer, body)
        version = Endpoint.objects.get(name=name).version
        assert version.latency_b1_ms <= handling.INLINE_LATENCY_MS
        assert (known is not None) is (name == "plain")
