"""The feasibility study and the readiness score, on the AI4I file and on generated data whose
answer is known."""

import numpy as np
import onnxruntime as ort
import polars as pl
import pytest
from django.utils import translation
from sklearn.metrics import roc_auc_score

from diagnosis.datacheck.errors import StudyError
from diagnosis.datacheck.feasibility import run_study
from diagnosis.datacheck.profile import NORMALISED_NAME, profile_file
from diagnosis.datacheck.readiness import readiness
from tests import datacheck_files as files

FAILURE_MODES = ["TWF", "HDF", "PWF", "OSF", "RNF"]


@pytest.fixture(scope="module")
def ai4i(tmp_path_factory):
    work = tmp_path_factory.mktemp("ai4i")
    profile = profile_file(files.AI4I, work)
    result, onnx_bytes = run_study(work / NORMALISED_NAME, profile, target="Machine_failure")
    return profile, result, onnx_bytes


def study_on(tmp_path, frame, **kwargs):
    path = tmp_path / "data.csv"
    frame.write_csv(path)
    profile = profile_file(path, tmp_path / "work")
    return run_study(tmp_path / "work" / NORMALISED_NAME, profile, **kwargs)


def test_ai4i_failure_modes_are_flagged_as_leaks_and_left_out(ai4i):
    _profile, result, _onnx = ai4i
    assert [leak["column"] for leak in result["leaks"]] == FAILURE_MODES
    assert set(result["excluded"]) == {"UDI", "Product ID", *FAILURE_MODES}
    assert result["features"] == [
        "Type = L",
        "Type = M",
        "Type = H",
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    ]


def test_ai4i_baseline_beats_the_dummy_by_a_clear_margin(ai4i):
    _profile, result, _onnx = ai4i
    assert result["task"] == "binary"
    assert result["classes"] == ["false", "true"]
    scores = result["scores"]
    assert scores["dummy"]["roc_auc"] == 0.5
    assert scores["dummy"]["pr_auc"] == pytest.approx(0.0339, abs=1e-4)  # the base rate
    best = scores[result["best"]]
    assert best["roc_auc"] >= 0.9
    assert best["pr_auc"] >= 0.5
    assert result["lift"]["absolute"] >= 0.4
    assert result["verdict"] == "clear"
    important = [item["column"] for item in result["importance"][:4]]
    assert "Torque [Nm]" in important
    assert "Tool wear [min]" in important


def test_ai4i_onnx_model_matches_scikit_learn_and_finds_failures(ai4i):
    _profile, result, onnx_bytes = ai4i
    check = result["model"]["onnx_check"]
    assert check["matches"]
    assert check["label_agreement"] == 1.0
    assert check["rows"] == 2000
    # Independently of the study's own check: the exported model, fed from the file through
    # its recipe, ranks the real failures far above the rest.
    frame = pl.read_csv(files.AI4I)
    columns = []
    for feature in result["model"]["features"]:
        source = frame.get_column(feature["column"])
        if feature["encoding"] == "one-hot":
            columns.append((source == feature["value"]).cast(pl.Float32).to_numpy())
        else:
            columns.append(source.cast(pl.Float32).to_numpy())
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    _labels, probabilities = session.run(
        None, {"input": np.column_stack(columns).astype(np.float32)}
    )
    assert roc_auc_score(frame.get_column("Machine_failure").to_numpy(), probabilities[:, 1]) > 0.95


def test_ai4i_readiness_has_a_reason_per_component(ai4i):
    profile, _result, _onnx = ai4i
    score = readiness(profile)
    components = {c["key"]: c for c in score["components"]}
    assert score["label"] == "Machine_failure"
    assert components["volume"]["score"] == 100
    assert components["completeness"]["score"] == 100
    assert components["history"]["score"] is None  # no time column: not judged, not zero
    assert components["balance"]["score"] == 17  # 3.39 % of 20 %
    assert "3.4%" in components["balance"]["reason"]
    assert all(c["reason"] for c in score["components"])
    assert 0 < score["score"] < 100


def test_a_column_copying_the_target_is_a_leak(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=600)
    y = np.where(x + rng.normal(scale=1.0, size=600) > 1, "reject", "pass")
    frame = pl.DataFrame({"x": x, "grade": np.where(y == "reject", "C", "A"), "result": y})
    result, _ = study_on(tmp_path, frame, target="result")
    assert [leak["column"] for leak in result["leaks"]] == ["grade"]
    assert result["features"] == ["x"]


def test_regression_with_a_clear_signal(tmp_path):
    rng = np.random.default_rng(2)
    load = rng.uniform(0, 10, size=800)
    frame = pl.DataFrame(
        {"load": load, "noise": rng.normal(size=800), "power": 3 * load + rng.normal(size=800)}
    )
    result, _ = study_on(tmp_path, frame, target="power")
    assert result["task"] == "regression"
    assert result["metric"] == "mae"
    assert result["scores"][result["best"]]["r2"] > 0.9
    assert result["lift"]["relative"] > 0.5  # the error is less than half of the dummy's
    assert result["model"]["onnx_check"]["matches"]


def test_forecasting_splits_by_time_and_uses_past_values(tmp_path):
    rows = 400
    stamps = [f"2024-01-01 {h // 60:02d}:{h % 60:02d}:00" for h in range(rows)]
    level = np.cumsum(np.random.default_rng(3).normal(size=rows))
    frame = pl.DataFrame({"time": stamps, "level": level})
    result, _ = study_on(tmp_path, frame, target="level")
    assert result["task"] == "forecasting"
    assert result["time_aware"]
    assert "level (lag 1)" in result["features"]
    assert result["scores"][result["best"]]["r2"] > 0.5


def test_without_a_target_it_looks_for_anomalies(tmp_path):
    rng = np.random.default_rng(4)
    temperature = rng.normal(60, 1, size=500)
    temperature[::50] = 95  # ten overheated readings
    frame = pl.DataFrame({"temperature": temperature, "speed": rng.normal(1500, 20, size=500)})
    result, onnx_bytes = study_on(tmp_path, frame)
    assert result["task"] == "anomaly"
    assert 0 < result["scores"]["anomaly_share"] < 0.2
    assert result["importance"][0]["column"] == "temperature"
    assert result["model"]["onnx_check"]["matches"]
    assert onnx_bytes


def test_a_target_with_too_few_of_one_outcome_is_refused(tmp_path):
    frame = pl.DataFrame({"x": list(range(100)), "bad": [1] * 3 + [0] * 97})
    with pytest.raises(StudyError, match="3"):
        study_on(tmp_path, frame.with_columns(pl.col("x") * 7 % 13), target="bad")


def test_an_unknown_target_is_refused(tmp_path):
    frame = pl.DataFrame({"x": [i % 5 for i in range(50)], "y": [i % 3 for i in range(50)]})
    with pytest.raises(StudyError, match="nope"):
        study_on(tmp_path, frame, target="nope")


def test_a_constant_target_is_refused(tmp_path):
    frame = pl.DataFrame({"x": [i % 7 for i in range(100)], "y": [5.0] * 100})
    with translation.override("en"), pytest.raises(StudyError, match="same value"):
        study_on(tmp_path, frame, target="y")


def test_anomaly_detection_needs_numbers(tmp_path):
    rng = np.random.default_rng(6)
    frame = pl.DataFrame({"a": rng.choice(["p", "q", "r"], 300), "b": rng.choice(["s", "t"], 300)})
    with translation.override("en"), pytest.raises(StudyError, match="numbers"):
        study_on(tmp_path, frame)


def test_an_outcome_that_appears_only_at_the_end_is_explained(tmp_path):
    stamps = [f"2024-02-01 {h // 60:02d}:{h % 60:02d}:00" for h in range(300)]
    frame = pl.DataFrame(
        {"time": stamps, "x": [i % 11 for i in range(300)], "bad": ["no"] * 260 + ["yes"] * 40}
    )
    with translation.override("en"), pytest.raises(StudyError, match="time range"):
        study_on(tmp_path, frame, target="bad")
