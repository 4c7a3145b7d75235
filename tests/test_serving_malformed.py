"""Malformed /v2 inference requests: each is a 400 with a readable {"error": ...}, through the
Django view and through the ASGI fast lane alike, never a 500."""

import json
import struct

import numpy as np
import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from tests import onnx_files as files
from tests.serving_factories import endpoint

ROW = {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}
# A body with a bare JSON token (NaN, Infinity) as the last value, which Python's reader accepts.
BARE = b'{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, %s]}]}'
BINARY = "Inference-Header-Content-Length"


pytestmark = pytest.mark.usefixtures("fresh_serving_caches")


@pytest.fixture
def key(transactional_db, world, tmp_path):
    return endpoint(world.company_a, files.good(tmp_path / "m.onnx"))[1]


def through_django(key, body, headers=None, model="press-line-1"):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        f"/v2/models/{model}/infer", body, content_type="application/json", **extra
    )
    return response.status_code, response.content


async def lane(key, body, headers, model):
    from onestop.asgi import application

    sent = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {key}".encode())]
    sent += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": f"/v2/models/{model}/infer",
        "headers": sent,
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(timeout=30)
    answer = await communicator.receive_output(timeout=30)
    return start["status"], answer["body"]


def through_the_lane(key, body, headers=None, model="press-line-1"):
    return async_to_sync(lane)(key, body, headers, model)


def refused(key, body, fragment, headers=None, model="press-line-1"):
    """Assert both servers answer 400 with ``fragment`` in a JSON error."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    for path in (through_django, through_the_lane):
        status, content = path(key, raw, headers, model)
        assert status == 400, (path.__name__, content)
        assert fragment in json.loads(content)["error"], (path.__name__, content)


def binary(values, dtype="<f4", datatype="FP32", shape=(1, 4)):
    raw = np.asarray(values, dtype=dtype).tobytes()
    tensor = {"name": "x", "shape": list(shape), "datatype": datatype}
    header = json.dumps(
        {"inputs": [{**tensor, "parameters": {"binary_data_size": len(raw)}}]}
    ).encode()
    return header + raw, {BINARY: str(len(header))}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        # were 500s
        ({"inputs": [{**ROW, "shape": [2**62, 4], "data": []}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "shape": [2**64, 4], "data": []}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "parameters": [1]}]}, "'parameters' must be an object"),
        ({"inputs": [{**ROW, "parameters": "binary"}]}, "'parameters' must be an object"),
        ({"inputs": [ROW], "parameters": ["binary_data_output"]}, "must be an object"),
        ({"inputs": [ROW], "outputs": [{"name": "y", "parameters": 7}]}, "must be an object"),
        ({"inputs": [{**ROW, "name": ["x"]}]}, "'name' must be a string"),
        ({"inputs": [{**ROW, "name": {"x": 1}}]}, "'name' must be a string"),
        # their siblings
        ({"inputs": [{**ROW, "name": 5}]}, "'name' must be a string"),
        ({"inputs": [{**ROW, "shape": "1,4"}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "shape": [-1, 4]}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "shape": [1.0, 4]}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "shape": [True, 4]}]}, "'shape' must be a list"),
        ({"inputs": [{**ROW, "datatype": ["FP32"]}]}, "must be FP32, not list"),
        ({"inputs": [{**ROW, "datatype": None}]}, "must be FP32, not NoneType"),
        ({"inputs": [ROW], "outputs": "y"}, "'outputs' must be a list"),
        ({"inputs": [ROW], "outputs": ["y"]}, "outputs[0] must be an object"),
        ({"inputs": [ROW], "outputs": [{"name": ["y"]}]}, "'name' must be a string"),
        ({"inputs": [ROW], "outputs": [{"name": "nope"}]}, "unknown output 'nope'"),
        ({"inputs": [ROW], "id": {"trace": 1}}, "'id' must be a string"),
        ({"inputs": [ROW], "id": 7}, "'id' must be a string"),
        ({"inputs": [ROW], "parameters": {"binary_data_output": "no"}}, "true or false"),
        (
            {"inputs": [ROW], "outputs": [{"name": "y", "parameters": {"binary_data": 1}}]},
            "true or false",
        ),
        ({"inputs": [{**ROW, "data": [1, 2, 3, 1e39]}]}, "NaN or infinite"),
        # Bare NaN and Infinity tokens, which Python's JSON reader accepts.
        (BARE % b"NaN", "NaN or infinite"),
        (BARE % b"-Infinity", "NaN or infinite"),
        ({"inputs": [{**ROW, "data": [1, 2, 3, "NaN"]}]}, "not all FP32"),
        ({"inputs": [{**ROW, "data": ["1", "2", "3", "4"]}]}, "not all FP32"),
        ({"inputs": [{**ROW, "data": [[[[1, 2, 3, {"a": 4}]]]]}]}, "not all FP32"),
        ({"inputs": "x"}, "non-empty list"),
        ({"inputs": [ROW, ROW]}, "given twice"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"inputs": [{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]}", "the request body"),
        (
            b'{"id": "a", "parameters": ' + b'{"p": ' * 50_000 + b"1" + b"}" * 50_001,
            "the request body",
        ),
    ],
)
def test_a_malformed_request_is_a_400_with_a_readable_error(key, body, fragment):
    refused(key, body, fragment)


def test_the_element_count_is_exact_past_64_bits(transactional_db, world, tmp_path):
    free = endpoint(world.company_a, files.free_dimensions(tmp_path / "f.onnx"), name="free")[1]
    huge = {"name": "x", "datatype": "FP32", "data": []}
    big = 2**31 - 1
    # 2,147,483,647³ elements: numpy's product wraps, the exact one cannot match no data.
    refused(free, {"inputs": [{**huge, "shape": [big, big, big]}]}, "its shape needs", None, "free")
    refused(free, {"inputs": [{**huge, "shape": [0, big, big]}]}, "too large", None, "free")
    fine = {"name": "x", "datatype": "FP32", "shape": [1, 2, 1], "data": [-1, 2]}
    status, content = through_the_lane(free, json.dumps({"inputs": [fine]}).encode(), None, "free")
    assert status == 200, content
    assert json.loads(content)["outputs"][0]["data"] == [0.0, 2.0]


@pytest.mark.parametrize(
    ("values", "dtype", "datatype"),
    [
        ([1, 2, float("nan"), 4], "<f4", "FP32"),
        ([1, 2, float("inf"), 4], "<f4", "FP32"),
        ([float("-inf"), 2, 3, 4], "<f4", "FP32"),
    ],
    ids=["nan", "inf", "minus-inf"],
)
def test_nan_and_infinity_are_refused_in_binary_data_as_in_json(key, values, dtype, datatype):
    body, headers = binary(values, dtype, datatype)
    refused(key, body, "NaN or infinite", headers)


def test_finite_binary_data_is_still_answered(key):
    body, headers = binary([1, 2, 3, 4])
    for path in (through_django, through_the_lane):
        status, content = path(key, body, headers)
        assert status == 200, content
        assert json.loads(content)["outputs"][0]["data"] == [10.0, 10.0]


def test_a_binary_size_that_is_not_a_number_is_refused(key):
    header = json.dumps(
        {"inputs": [{**ROW, "data": None, "parameters": {"binary_data_size": True}}]}
    ).encode()
    body = header + struct.pack("<4f", 1, 2, 3, 4)
    refused(key, body, "binary_data_size True", {BINARY: str(len(header))})
