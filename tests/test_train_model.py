"""`manage.py train_model` on the AI4I 2020 file: the leaking columns are left out, the model
beats guessing, and both exported forms (CPU, and NPU-ready with standard operators only)
give the trained model's answers on held-out rows; the NPU-ready form is one the Rebellions
and FuriosaAI flavors take."""

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from django.core.management import CommandError, call_command

AI4I = Path(__file__).parent / "data" / "ai4i2020.csv"
LEAKS = {"TWF", "HDF", "PWF", "OSF", "RNF"}
NPU_FLAVORS = {"rbln-atom", "furiosa-rngd"}


def train(tmp_path, *extra):
    out = tmp_path / "models"
    printed = []

    class Capture:
        def write(self, text):
            printed.append(text)

        def flush(self):
            pass

    call_command(
        "train_model",
        str(AI4I),
        "--target",
        "Machine_failure",
        "--out",
        str(out),
        "--json",
        *extra,
        stdout=Capture(),
    )
    return json.loads("".join(printed)), out


@pytest.mark.parametrize("family", ["trees", "forest", "mlp"])
def test_each_family_is_trained_without_leaks_and_exported_twice(db, tmp_path, family):
    summary, out = train(tmp_path, "--family", family)
    assert set(summary["excluded"]) >= LEAKS
    assert summary["metrics"]["roc_auc"] >= summary["dummy"]["roc_auc"] + 0.2
    cpu, npu = summary["models"]
    assert cpu["form"] == "cpu"
    assert npu["form"] == "npu-ready"
    for model in (cpu, npu):
        assert model["matches"], model
        assert model["label_agreement"] == 1.0
    assert set(npu["flavors"]) >= NPU_FLAVORS
    graph = onnx.load(out / "model-npu.onnx")
    assert {node.domain for node in graph.graph.node} <= {""}
    assert [(o.domain, o.version) for o in graph.opset_import] == [("", 13)]
    batch_sizes = {p.key: p.value for p in graph.metadata_props}["onestop.batch_sizes"]
    assert batch_sizes == "1,8,32"
    if family != "mlp":  # the CPU form's trees are ai.onnx.ml operators the NPUs refuse
        assert not NPU_FLAVORS & set(cpu["flavors"])


def test_both_forms_answer_alike_on_rows_of_the_file(db, tmp_path):
    _summary, out = train(tmp_path)
    rows = np.loadtxt(AI4I, delimiter=",", skiprows=1, usecols=(3, 4, 5, 6, 7), max_rows=500)
    cpu = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    npu = ort.InferenceSession(str(out / "model-npu.onnx"), providers=["CPUExecutionProvider"])
    width = cpu.get_inputs()[0].shape[1]
    features = np.zeros((len(rows), width), dtype=np.float32)
    features[:, : rows.shape[1]] = rows  # any input will do: the two forms must agree on it
    cpu_label, cpu_scores = cpu.run(None, {"input": features})
    npu_label, npu_scores = npu.run(None, {"input": features})
    np.testing.assert_array_equal(cpu_label, npu_label)
    np.testing.assert_allclose(cpu_scores, npu_scores, atol=1e-5)


def test_a_column_that_is_not_there_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match=r"Machine failure|no column"):
        call_command(
            "train_model", str(AI4I), "--target", "Machine failure", "--out", str(tmp_path)
        )
