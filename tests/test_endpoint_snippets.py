"""The copy-paste snippets on an endpoint's page are safe to paste whatever names the vendor's
ONNX file gave its inputs and outputs: the shell runs curl with the name as one literal
argument, Python reads it as a string, and a huge input does not make the page write out
millions of zeros."""

import ast
import html
import json
import re
import subprocess
import sys
import textwrap

import pytest
from django.urls import reverse

from tests import onnx_files as files
from tests.serving_factories import endpoint

HOSTILE = [
    "input'$(touch pwned)'",
    'x"; touch pwned; echo "',
    "x`touch pwned`",
    "$(touch pwned)",
    "x'\ntouch pwned\n'",
    "x\\'; touch pwned #",
    "입력'$(touch pwned)'",
    "</code><script>alert(1)</script>",
]


@pytest.fixture
def served(world, tmp_path):
    created, _raw = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    return created


def with_signature(served, inputs, outputs=None):
    """Names as they may sit in the catalog (stored before validation refused such names)."""
    served.version.signature = {
        "inputs": inputs,
        "outputs": outputs or [{"name": "y", "type": "tensor(float)", "shape": [None, 2]}],
    }
    served.version.save(update_fields=["signature"])


def copied(client, served, which):
    """What a person copies from the page: the code block's text, HTML entities decoded."""
    response = client.get(reverse("endpoint_detail", args=[served.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    block = re.search(rf'<code id="snippet-{which}"[^>]*>(.*?)</code>', page, re.DOTALL)
    assert block is not None, page
    assert "<script>" not in block.group(1)  # escaped for the page too
    return html.unescape(block.group(1)), page


def run_in_shell(snippet, cwd):
    """Runs the curl snippet with ``sh``, curl being a shell function that prints each
    argument it receives: what the real curl would have been given."""
    script = 'curl() { for arg in "$@"; do printf \'%s\\0\' "$arg"; done; }\n' + snippet
    done = subprocess.run(
        ["sh", "-c", script], cwd=cwd, capture_output=True, timeout=20, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.decode().split("\0")[:-1]


@pytest.mark.parametrize("name", HOSTILE)
def test_the_curl_snippet_hands_the_name_to_curl_as_one_literal_argument(
    owner_client, served, tmp_path, name
):
    with_signature(served, [{"name": name, "type": "tensor(float)", "shape": [None, 4]}])
    snippet, _page = copied(owner_client, served, "curl")
    workdir = tmp_path / "shell"
    workdir.mkdir()
    args = run_in_shell(snippet, workdir)
    assert list(workdir.iterdir()) == []  # no command ran: nothing was created
    assert args[:8] == [
        "-X",
        "POST",
        "http://testserver/v2/models/press-line-1/infer",
        "-H",
        "Authorization: Bearer ep_…",
        "-H",
        "Content-Type: application/json",
        "-d",
    ]
    assert len(args) == 9
    body = json.loads(args[8])
    assert body["inputs"] == [
        {"name": name, "shape": [1, 4], "datatype": "FP32", "data": [0.0] * 4}
    ]


STUB_CLIENT = textwrap.dedent(
    """
    import json

    seen = []

    class InferInput:
        def __init__(self, name, shape, datatype):
            seen.append(["input", name, shape, datatype])

        def set_data_from_numpy(self, array):
            seen.append(["data", list(array.shape)])

    class Result:
        def as_numpy(self, name):
            seen.append(["output", name])
            return None

    class InferenceServerClient:
        def __init__(self, url, ssl=False):
            seen.append(["url", url])

        def infer(self, model, inputs, headers=None):
            seen.append(["infer", model, headers])
            return Result()
    """
)


@pytest.mark.parametrize("name", HOSTILE)
def test_the_python_snippet_reads_the_names_as_string_literals(
    owner_client, served, tmp_path, name
):
    with_signature(
        served,
        [{"name": name, "type": "tensor(float)", "shape": [None, 4]}],
        [{"name": name + "_out", "type": "tensor(float)", "shape": [None, 2]}],
    )
    snippet, _page = copied(owner_client, served, "python")
    tree = ast.parse(snippet)
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    assert name in strings
    assert name + "_out" in strings
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert calls == {
        "InferenceServerClient",
        "InferInput",
        "set_data_from_numpy",
        "zeros",
        "infer",
        "as_numpy",
        "print",
    }
    # And run it, against a stand-in tritonclient that records what it was given.
    package = tmp_path / "stub" / "tritonclient"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "http.py").write_text(STUB_CLIENT)
    workdir = tmp_path / "run"
    workdir.mkdir()
    program = snippet + "\nimport tritonclient.http as h, json\nprint(json.dumps(h.seen))"
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=workdir,
        env={"PYTHONPATH": str(tmp_path / "stub")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert list(workdir.iterdir()) == []
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert ["input", name, [1, 4], "FP32"] in seen
    assert ["output", name + "_out"] in seen
    assert ["infer", "press-line-1", {"Authorization": "Bearer ep_…"}] in seen


def test_names_in_any_script_stay_readable_in_both_snippets(owner_client, served):
    with_signature(served, [{"name": "압력_센서.1", "type": "tensor(float)", "shape": [None, 4]}])
    curl, _page = copied(owner_client, served, "curl")
    python, _page = copied(owner_client, served, "python")
    assert '"name": "압력_센서.1"' in curl
    assert 'InferInput("압력_센서.1", [1, 4], "FP32")' in python


def test_a_huge_fixed_input_is_not_written_out(owner_client, served, tmp_path):
    with_signature(served, [{"name": "signal", "type": "tensor(float)", "shape": [1, 100_000_000]}])
    snippet, page = copied(owner_client, served, "curl")
    assert len(page) < 100_000  # not 100 million zeros
    assert 'data-testid="snippet-values-not-written"' in page
    assert "100,000,000" in page
    note = snippet.splitlines()[0]
    assert note.startswith("# ")  # a shell comment, in the reader's language
    assert "100,000,000" in note
    args = run_in_shell(snippet, tmp_path)
    body = json.loads(args[8])
    assert body["inputs"][0]["shape"] == [1, 100_000_000]
    assert body["inputs"][0]["data"] == []  # for the person to fill in, as the note says
    python, _page = copied(owner_client, served, "python")
    assert "np.zeros([1, 100000000], dtype=np.float32)" in python


def test_the_cap_on_written_values_is_a_setting(owner_client, served, settings):
    settings.ONESTOP_SNIPPET_MAX_VALUES = 12
    with_signature(served, [{"name": "x", "type": "tensor(float)", "shape": [None, 12]}])
    snippet, page = copied(owner_client, served, "curl")
    assert "[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]" in snippet
    assert "snippet-values-not-written" not in page
    with_signature(served, [{"name": "x", "type": "tensor(float)", "shape": [None, 13]}])
    snippet, page = copied(owner_client, served, "curl")
    assert '"data": []' in snippet
    assert "snippet-values-not-written" in page
