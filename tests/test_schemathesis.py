"""Contract fuzzing: schemathesis builds requests from each API's OpenAPI document, ones that fit
it and ones that break it, and sends them to the real application with real keys. No answer may
be a server error: every bad request is the caller's 4xx with a message.

- /v2, from deployment/serving/openapi.yaml, through the ASGI application `make run` serves
  (the inference fast lane included), on a ready endpoint with its key;
- /api/v1, from the DRF schema at /api/schema/, through the WSGI application, with a partner's
  API key.

Bounded (a few examples per operation, derandomised, no example database) so it stays short."""

from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error

from tests import onnx_files as files
from tests.serving_factories import endpoint

V2_DOCUMENT = Path(__file__).resolve().parent.parent / "deployment/serving/openapi.yaml"


def bounded(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def fuzz(schema, headers, examples, path_parameters=None, aim=None):
    """Every operation of ``schema``, in both generation modes, answered without a 5xx.
    ``aim`` may rewrite a generated case so more of them reach past the first checks."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        fixed = {
            name: value
            for name, value in (path_parameters or {}).items()
            if any(p.name == name for p in operation.path_parameters)
        }
        for mode in schemathesis.GenerationMode:
            strategy = operation.as_strategy(
                generation_mode=mode, headers=headers, path_parameters=fixed or None
            )
            if aim is not None:
                strategy = st.tuples(strategy, AIM).map(aim)

            @bounded(examples)
            @given(case=strategy)
            def answered_without_a_server_error(case):
                case.call_and_validate(checks=[not_a_server_error])

            try:
                answered_without_a_server_error()
            except Unsatisfiable:
                # Nothing in this operation can be made invalid (no parameters, no body).
                assert not mode.is_positive, operation.label


# How far a generated inference body is steered towards the test model (input "x", FP32,
# [-1, 4]): 0 as generated, 1 the input's name, 2 its datatype and shape as well, 3 four numbers
# of any size as its data, so some requests reach the model. (The HTTP client cannot write NaN or
# infinities into JSON; tests/test_serving_malformed.py sends those as raw bodies.)
AIM = st.tuples(
    st.integers(0, 3),
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**70), 2**70),
        min_size=4,
        max_size=4,
    ),
)


def aim_at_input_x(drawn):
    case, (level, numbers) = drawn
    body = case.body
    if level and isinstance(body, dict) and isinstance(body.get("inputs"), list):
        for tensor in body["inputs"]:
            if not isinstance(tensor, dict):
                continue
            tensor["name"] = "x"
            if level >= 2:
                tensor.update(datatype="FP32", shape=[1, 4])
            if level >= 3:
                tensor["data"] = numbers
    return case


@pytest.mark.usefixtures("fresh_serving_caches")
def test_v2_answers_no_server_error(transactional_db, world, tmp_path):
    from onestop.asgi import application

    _created, key = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    schema = schemathesis.openapi.from_path(V2_DOCUMENT)
    schema.app = application
    fuzz(
        schema,
        {"Authorization": f"Bearer {key}"},
        examples=25,
        path_parameters={"name": "press-line-1", "version": "1.0"},
        aim=aim_at_input_x,
    )


@pytest.fixture
def connection_kept_across_requests():
    """The WSGI handler closes the database connection at each request's start, as it should in
    production; inside a test's transaction that would close the test's own connection (on
    PostgreSQL). Django's test client unhooks the same signal for the same reason."""
    request_started.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)


@pytest.mark.usefixtures("connection_kept_across_requests")
@pytest.mark.parametrize("kind", ["model_vendor", "compute_provider"])
def test_api_v1_answers_no_server_error(db, world, settings, kind):
    """As each kind of partner the API serves: vendors reach the catalog, providers the pools."""
    from onestop.wsgi import application
    from tests import factories

    settings.API_THROTTLE_RATE = "100000/min"  # the fuzzer is one fast client
    partner = factories.make_partner(kind=kind, owner=world.partner_user)
    _key, raw = factories.make_api_key(partner, "fuzzer")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    fuzz(schema, headers, examples=8)


def test_an_id_too_long_for_any_row_is_a_404_not_a_database_overflow(client, world):
    """Found by the fuzzer: a 20-digit id reached the database and overflowed (a 500)."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.raw_key_p}"}
    for path in (
        "/api/v1/models/33444002366093094912",
        "/api/v1/models/1/versions/33444002366093094912",
        "/api/v1/models/33444002366093094912/versions/1",
        "/api/v1/assessments/99999999999999999999",
    ):
        response = client.get(path, **headers)
        assert response.status_code == 404, (path, response.content)
    assert client.get("/api/v1/models/999999999999999999", **headers).status_code == 404
