"""The validator looks at every tensor in every graph of a model (subgraphs with no nodes,
function bodies, training graphs), and at the names a vendor gave its inputs and outputs."""

import pytest

from deployment.validation import rules
from deployment.validation.sandbox import SandboxLimits, validate_file
from tests import onnx_files as files

SMALL = SandboxLimits(memory_bytes=2 * 1024**3, cpu_seconds=10, wall_seconds=30)

PLACES = {
    "sparse-initializer": files.external_sparse_initializer,
    "sparse-initializer-in-empty-subgraph": files.external_sparse_in_empty_subgraph,
    "initializer-in-empty-subgraph": files.external_initializer_in_empty_subgraph,
    "constant-in-loop-body": files.external_constant_in_loop_body,
    "sparse-constant-in-if-branch": files.external_sparse_constant,
    "attribute-tensor-list": files.external_attribute_tensor_list,
    "attribute-sparse-tensor-list": files.external_attribute_sparse_list,
    "function-body": files.external_in_function_body,
    "training-graph": files.external_in_training_graph,
}


@pytest.mark.parametrize("make", PLACES.values(), ids=PLACES.keys())
def test_external_data_is_refused_wherever_the_tensor_hides(tmp_path, make):
    report = validate_file(make(tmp_path / "model.onnx", location="../../secret"), SMALL)
    assert report["accepted"] is False
    # Our own refusal, naming the path, not a later checker or runtime error by luck.
    assert "keeps its data outside the file" in report["reason"], report["reason"]
    assert "../../secret" in report["reason"]


@pytest.mark.parametrize(
    "name",
    ["x", "input.1", "serving_default_x:0", "onnx::Gemm_0", "encoder/layer_0", "입력_값", "x[0]"],
)
def test_names_that_exporters_write_are_accepted(tmp_path, name):
    report = validate_file(files.named_tensors(tmp_path / "m.onnx", input_name=name), SMALL)
    assert report["accepted"], report
    assert report["signature"]["inputs"][0]["name"] == name


@pytest.mark.parametrize(
    ("input_name", "output_name", "reason"),
    [
        ("input'$(touch x)'", "y", "quote (')"),
        ('x"; rm -rf ~; "', "y", 'quote (")'),
        ("x`id`", "y", "quote (`)"),
        ("x\n$(id)", "y", "control or invisible character (U+000A)"),
        ("x\u202eexe.txt", "y", "U+202E"),
        ("x", "y $(id)", "' ' (U+0020)"),
        ("x", "y<script>", "'<'"),
        ("x" * 300, "y", "longer than 256"),
    ],
    ids=[
        "single-quote",
        "double-quote",
        "backtick",
        "newline",
        "right-to-left-override",
        "space-in-output",
        "markup",
        "too-long",
    ],
)
def test_names_that_could_break_a_snippet_are_refused_with_a_reason(
    tmp_path, input_name, output_name, reason
):
    path = files.named_tensors(tmp_path / "m.onnx", input_name=input_name, output_name=output_name)
    report = validate_file(path, SMALL)
    assert report["accepted"] is False
    assert reason in report["reason"], report["reason"]
    assert "names may hold letters, digits and" in report["reason"]
    role = "input" if input_name != "x" else "output"
    assert report["reason"].startswith(f"the {role} name ")
    assert "\n" not in report["reason"]  # the name is shown escaped, on one line


def test_the_name_rule_is_plain_data_the_catalog_can_reuse():
    assert rules.tensor_name_problem("press_torque.1") is None
    assert rules.tensor_name_problem("") == "is empty"
    assert "quote" in rules.tensor_name_problem("a'b")
