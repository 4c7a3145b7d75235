"""The Open Inference Protocol, driven by tritonclient against a live server in JSON and in
binary mode, and every malformed request answered 400 with a readable error."""

import json
import time

import numpy as np
import pytest
import tritonclient.http as triton
from django.test import Client

from deployment.serving import keys
from tests import onnx_files as files
from tests.serving_factories import endpoint

pytestmark = pytest.mark.usefixtures("fresh_serving_caches")


@pytest.fixture
def served(transactional_db, world, tmp_path, live_server):
    _created, key = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    client = triton.InferenceServerClient(url=live_server.url.removeprefix("http://"))
    return client, {"Authorization": f"Bearer {key}"}, key


def infer(client, headers, batch, binary, request_id="req-7", outputs=None):
    data = np.arange(batch * 4, dtype=np.float32).reshape(batch, 4)
    tensor = triton.InferInput("x", [batch, 4], "FP32")
    tensor.set_data_from_numpy(data, binary_data=binary)
    wanted = (
        [triton.InferRequestedOutput(name, binary_data=binary) for name in outputs]
        if outputs
        else None
    )
    return data, client.infer(
        "press-line-1", [tensor], outputs=wanted, request_id=request_id, headers=headers
    )


@pytest.mark.parametrize("binary", [False, True], ids=["json", "binary"])
def test_tritonclient_health_metadata_and_infer(served, binary):
    client, headers, _key = served
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("press-line-1", headers=headers)
    metadata = client.get_model_metadata("press-line-1", headers=headers)
    assert metadata["platform"] == "onnx_onnxv1"
    assert metadata["inputs"] == [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}]
    data, result = infer(client, headers, 64, binary, outputs=["y"])
    expected = data @ np.ones((4, 2), dtype=np.float32)  # the model is x·W with W of ones
    np.testing.assert_allclose(result.as_numpy("y"), expected, rtol=1e-6)
    assert result.get_response()["id"] == "req-7"


def test_binary_extension_is_announced(served):
    client, _headers, _key = served
    assert "binary_tensor_data" in client.get_server_metadata()["extensions"]


def api(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(key, body, **headers):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return api(key).post(
        "/v2/models/press-line-1/infer", raw, content_type="application/json", **headers
    )


def test_nested_data_and_output_filtering(served):
    _client, _headers, key = served
    body = {
        "id": "n-1",
        "inputs": [
            {"name": "x", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7, 8]]}
        ],
        "outputs": [{"name": "y"}],
    }
    answer = post(key, body).json()
    assert answer["id"] == "n-1"
    assert answer["outputs"] == [
        {"name": "y", "datatype": "FP32", "shape": [2, 2], "data": [10.0, 10.0, 26.0, 26.0]}
    ]
    assert "parameters" not in answer  # optional fields left out, not null


GOOD = {"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}


@pytest.mark.parametrize(
    ("body", "headers", "fragment"),
    [
        (b"{not json", {}, "not valid JSON"),
        ({"inputs": []}, {}, "non-empty list"),
        (
            {"inputs": [{**GOOD, "shape": [1, 5], "data": [1, 2, 3, 4, 5]}]},
            {},
            "the model takes [-1, 4]",
        ),
        ({"inputs": [{**GOOD, "shape": [4]}]}, {}, "2 dimensions"),
        ({"inputs": [{**GOOD, "datatype": "INT64"}]}, {}, "must be FP32"),
        ({"inputs": [{**GOOD, "data": [1, 2, 3]}]}, {}, "needs 4"),
        ({"inputs": [{**GOOD, "data": [1, "a", 3, 4]}]}, {}, "not all FP32"),
        ({"inputs": [{**GOOD, "name": "z"}]}, {}, "unknown input 'z'"),
        ({"inputs": [GOOD], "outputs": [{"name": "nope"}]}, {}, "unknown output 'nope'"),
        ({"inputs": [GOOD]}, {"HTTP_INFERENCE_HEADER_CONTENT_LENGTH": "99999"}, "body has"),
        (
            {"inputs": [{**GOOD, "data": None, "parameters": {"binary_data_size": 64}}]},
            {"HTTP_INFERENCE_HEADER_CONTENT_LENGTH": "0"},
            "not valid JSON",
        ),
    ],
    ids=[
        "json",
        "no-inputs",
        "shape",
        "rank",
        "datatype",
        "count",
        "value",
        "unknown-input",
        "unknown-output",
        "binary-length",
        "binary-header",
    ],
)
def test_bad_requests_are_400_with_a_readable_error(served, body, headers, fragment):
    _client, _headers, key = served
    response = post(key, body, **headers)
    assert response.status_code == 400
    assert fragment in response.json()["error"], response.json()


def test_keys_models_and_readiness(world, served, tmp_path, settings):
    from deployment.models import Endpoint

    settings.ONESTOP_SERVING_KEY_CACHE_SECONDS = 0  # every request looks its key up
    _client, _headers, key = served
    assert (
        Client()
        .post("/v2/models/press-line-1/infer", b"{}", content_type="application/json")
        .status_code
        == 401
    )
    assert post("ep_bad_key", {"inputs": [GOOD]}).status_code == 401
    assert api(key).get("/v2/models/other-model").status_code == 404
    assert api(key).get("/v2/models/press-line-1/versions/9.9").status_code == 404
    assert api(key).get("/v2/models/press-line-1/versions/1.0").status_code == 200
    Endpoint.objects.filter(name="press-line-1").update(state="stopped")
    assert post(key, {"inputs": [GOOD]}).status_code == 503
    assert api(key).get("/v2/models/press-line-1/ready").status_code == 503


def test_a_runaway_model_is_stopped_at_the_deadline_and_others_keep_being_served(
    world, served, tmp_path
):
    _client, _headers, good_key = served
    _loop, loop_key = endpoint(
        world.company_a,
        files.input_driven_loop(tmp_path / "loop.onnx"),
        name="looper",
        deadline_ms=300,
    )
    body = {
        "inputs": [
            {"name": "x", "shape": [1], "datatype": "FP32", "data": [0]},
            {"name": "trips", "shape": [], "datatype": "INT64", "data": [10**12]},
        ]
    }
    started = time.perf_counter()
    response = api(loop_key).post(
        "/v2/models/looper/infer", json.dumps(body), content_type="application/json"
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 504
    assert "300 ms" in response.json()["error"]
    assert elapsed < 5
    assert post(good_key, {"inputs": [GOOD]}).status_code == 200


def test_a_deeply_nested_body_is_a_400(served):
    _client, _headers, key = served
    body = b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = post(key, body)
    assert response.status_code == 400
    assert response.json() == {"error": "the request body nests too deeply"}


def test_a_verified_key_is_remembered_for_its_ttl_and_forgotten_when_revoked(
    served, settings, django_assert_num_queries
):
    from django.utils import timezone

    from deployment.models import Endpoint, EndpointKey

    settings.ONESTOP_SERVING_KEY_CACHE_SECONDS = 60
    _client, _headers, key = served
    assert post(key, {"inputs": [GOOD]}).status_code == 200
    with django_assert_num_queries(0):  # the key, its endpoint and version come from memory
        assert post(key, {"inputs": [GOOD]}).status_code == 200

    # A change made elsewhere (a bare UPDATE) shows once the time is up, or at once here.
    Endpoint.objects.filter(name="press-line-1").update(state="stopped")
    assert post(key, {"inputs": [GOOD]}).status_code == 200
    keys.forget()
    assert post(key, {"inputs": [GOOD]}).status_code == 503

    # Revoking through the model, in this process, takes effect on the next request.
    Endpoint.objects.filter(name="press-line-1").update(state="ready")
    keys.forget()
    assert post(key, {"inputs": [GOOD]}).status_code == 200
    row = EndpointKey.objects.get()
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    assert post(key, {"inputs": [GOOD]}).status_code == 401


def test_a_cached_key_expires(served, settings, monkeypatch):
    from deployment.models import EndpointKey

    settings.ONESTOP_SERVING_KEY_CACHE_SECONDS = 5
    _client, _headers, key = served
    assert post(key, {"inputs": [GOOD]}).status_code == 200
    EndpointKey.objects.update(revoked_at="2020-01-01T00:00:00Z")
    assert post(key, {"inputs": [GOOD]}).status_code == 200  # within the TTL
    now = time.monotonic()
    monkeypatch.setattr(keys.time, "monotonic", lambda: now + 6)
    assert post(key, {"inputs": [GOOD]}).status_code == 401
