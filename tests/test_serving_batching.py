"""Dynamic batching: concurrent requests to a batching endpoint share model runs, and every
client still gets exactly its own answer, id, outputs and encoding; a bad request is answered
alone; a failed or runaway batch answers each member on its own; off by default."""

import json
import threading
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from deployment.models import Endpoint
from deployment.serving import batching, deadlines, keys
from deployment.serving.sessions import clear
from tests.serving_factories import endpoint

BATCH_HEADER = "Batch-Size"


@pytest.fixture(autouse=True)
def _fresh():
    clear()
    keys.forget()
    batching.clear()
    yield
    clear()
    keys.forget()
    batching.clear()


def two_outputs(path):
    """y = x·W (W of ones, 4 × 2) and z = x + 1: two outputs, both by row."""
    weights = numpy_helper.from_array(np.ones((4, 2), dtype=np.float32), "W")
    one = numpy_helper.from_array(np.ones(1, dtype=np.float32), "one")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["y"]),
            helper.make_node("Add", ["x", "one"], ["z"]),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 4]),
        ],
        initializer=[weights, one],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    path.write_bytes(model.SerializeToString())
    return path


@pytest.fixture
def pair(transactional_db, world, tmp_path, live_server):
    """The same model behind two endpoints: batching on (a long delay, so batches surely
    form) and off (the defaults)."""
    path = two_outputs(tmp_path / "m.onnx")
    batched, batched_key = endpoint(world.company_a, path, name="batched")
    Endpoint.objects.filter(pk=batched.pk).update(batch_max_size=8, batch_max_delay_ms=200)
    _plain, plain_key = endpoint(world.company_a, path, name="plain")
    return SimpleNamespace(url=live_server.url, batched=batched_key, plain=plain_key)


def call(url, model, key, body, header_length=None):
    """(status, headers, body bytes) of one infer request."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the live server
        f"{url}/v2/models/{model}/infer",
        raw,
        {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    if header_length is not None:
        request.add_header("Inference-Header-Content-Length", str(header_length))
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - live server
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def together(calls):
    """Run the callables at once; their results in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def one(i):
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def body(i, rows=1, **extra):
    data = (np.arange(rows * 4, dtype=np.float32) + 100 * i).reshape(rows, 4)
    return {
        "id": f"client-{i}",
        "inputs": [{"name": "x", "shape": [rows, 4], "datatype": "FP32", "data": data.tolist()}],
        **extra,
    }


def test_concurrent_clients_share_runs_and_get_exactly_their_own_answers(pair):
    bodies = [body(i, rows=1 + i % 3) for i in range(8)]
    answers = together([lambda b=b: call(pair.url, "batched", pair.batched, b) for b in bodies])
    alone = [call(pair.url, "plain", pair.plain, b) for b in bodies]

    for (status, _headers, raw), (plain_status, plain_headers, plain_raw) in zip(
        answers, alone, strict=True
    ):
        assert status == plain_status == 200
        assert json.loads(raw) == {**json.loads(plain_raw), "model_name": "batched"}
        assert BATCH_HEADER not in plain_headers
    sizes = [int(headers[BATCH_HEADER]) for _s, headers, _r in answers]
    assert max(sizes) > 1  # runs really were shared
    (runs, requests), *_ = batching.stats().values()
    assert requests == 8
    assert runs < 8


def test_batching_is_off_by_default(pair):
    status, headers, _raw = call(pair.url, "plain", pair.plain, body(1))
    assert status == 200
    assert BATCH_HEADER not in headers
    assert batching.stats() == {}
    assert Endpoint._meta.get_field("batch_max_size").default == 1


def test_a_bad_request_in_the_middle_does_not_touch_the_others(pair):
    bad = {"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}
    bodies = [body(0), body(1), bad, body(3), body(4)]
    answers = together([lambda b=b: call(pair.url, "batched", pair.batched, b) for b in bodies])
    statuses = [status for status, _h, _r in answers]
    assert statuses == [200, 200, 400, 200, 200]
    assert "the model takes [-1, 4]" in json.loads(answers[2][2])["error"]
    for i, (_status, _headers, raw) in enumerate(answers):
        if i != 2:
            answer = json.loads(raw)
            assert answer["id"] == f"client-{i}"
            x = np.asarray(bodies[i]["inputs"][0]["data"], dtype=np.float32)
            y = next(o for o in answer["outputs"] if o["name"] == "y")
            assert y["data"] == (x @ np.ones((4, 2), dtype=np.float32)).ravel().tolist()


def binary_body(i, outputs):
    x = np.full((2, 4), i, dtype=np.float32)
    header = json.dumps(
        {
            "id": f"bin-{i}",
            "inputs": [
                {
                    "name": "x",
                    "shape": [2, 4],
                    "datatype": "FP32",
                    "parameters": {"binary_data_size": x.nbytes},
                }
            ],
            "outputs": [{"name": n, "parameters": {"binary_data": True}} for n in outputs],
        }
    ).encode()
    return header + x.tobytes(), len(header), x


def test_output_filtering_ids_and_binary_mode_with_batching(pair):
    wanted = [["y"], ["z"], ["z", "y"], ["y"]]
    requests = [binary_body(i, outputs) for i, outputs in enumerate(wanted)]
    answers = together(
        [lambda r=r: call(pair.url, "batched", pair.batched, r[0], r[1]) for r in requests]
    )
    for (status, headers, raw), outputs, (_b, _l, x) in zip(answers, wanted, requests, strict=True):
        assert status == 200, raw
        length = int(headers["Inference-Header-Content-Length"])
        head, tail = json.loads(raw[:length]), raw[length:]
        assert head["id"] == f"bin-{int(x[0, 0])}"
        assert [o["name"] for o in head["outputs"]] == outputs
        expected = {"y": x @ np.ones((4, 2), dtype=np.float32), "z": x + 1}
        offset = 0
        for output in head["outputs"]:
            size = output["parameters"]["binary_data_size"]
            value = np.frombuffer(tail[offset : offset + size], dtype=np.float32)
            offset += size
            np.testing.assert_array_equal(value.reshape(output["shape"]), expected[output["name"]])
    assert max(int(headers[BATCH_HEADER]) for _s, headers, _r in answers) > 1


# The dispatcher on its own, with stand-in sessions -------------------------------------------


class Session:
    """Sums each row; refuses a batch holding a negative value; or loops until terminated."""

    def __init__(self, endless=False):
        self.endless, self.runs = endless, []

    def run(self, names, feeds, run_options):
        x = feeds["x"]
        self.runs.append(len(x))
        while self.endless and not run_options.terminate:
            time.sleep(0.005)
        if self.endless:
            raise RuntimeError("terminated")
        if (x < 0).any():
            raise RuntimeError("negative input")
        return [x.sum(axis=1, keepdims=True)]


def batcher(session, deadline_ms=2000):
    served = SimpleNamespace(session=session, outputs=[SimpleNamespace(name="s")])
    return batching.Batcher(served, 8, 100, deadline_ms, config=None)


def submit_all(target, rows):
    return together(
        [lambda r=r: target.submit({"x": np.array(r, dtype=np.float32)}, ["s"]) for r in rows]
    )


def test_a_failed_batch_is_rerun_one_request_at_a_time():
    session = Session()
    rows = [[[1, 2]], [[-1, 0]], [[3, 4]]]
    results = submit_all(batcher(session), rows)
    assert max(session.runs) > 1  # they were tried together first
    assert results[0][0]["s"].tolist() == [[3.0]]
    assert "negative input" in results[1][0]
    assert results[2][0]["s"].tolist() == [[7.0]]


def test_a_runaway_batch_is_stopped_at_the_deadline_for_every_member():
    started = time.monotonic()
    results = submit_all(batcher(Session(endless=True), deadline_ms=300), [[[1, 2]], [[3, 4]]])
    assert time.monotonic() - started < 5
    for message, _compute_s, _size in results:
        assert message == deadlines.expired_message(300)


def test_a_request_larger_than_the_batch_runs_alone_and_intact():
    session = Session()
    big = np.ones((20, 2), dtype=np.float32)
    result, _compute_s, size = batcher(session).submit({"x": big}, ["s"])
    assert size == 1
    assert result["s"].shape == (20, 1)


def test_only_models_with_a_free_batch_axis_are_batched():
    from deployment.serving.sessions import Served

    assert Served(None, [SimpleNamespace(shape=["batch", 4])], []).batchable
    assert Served(None, [SimpleNamespace(shape=[None, 4])], []).batchable
    assert not Served(None, [SimpleNamespace(shape=[1, 4])], []).batchable
