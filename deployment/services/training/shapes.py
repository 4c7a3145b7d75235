"""What a training run on a cluster may report: its scores and its result are checked field by
field before OneStop keeps them, so a run of another OneStop release, or one that sends
anything else, is refused with the field named instead of breaking the job's page later."""

import math

METRIC_NAMES = {"roc_auc", "pr_auc", "f1", "balanced_accuracy", "accuracy", "mae", "r2"}
TASKS = {"binary", "multiclass", "regression", "forecasting"}
ENCODINGS = {"number", "0/1", "one-hot"}


def clean_scores(scores, family):
    """{"dummy": {...}, family: {...}} of known metrics, each a finite number or None;
    ValueError otherwise."""
    if not isinstance(scores, dict) or not set(scores) <= {"dummy", family}:
        raise ValueError("scores are the family's and guessing's (dummy)")
    for values in scores.values():
        if not isinstance(values, dict) or not set(values) <= METRIC_NAMES:
            raise ValueError(f"each score is one of {', '.join(sorted(METRIC_NAMES))}")
        for value in values.values():
            finite = isinstance(value, int | float) and not isinstance(value, bool)
            if value is not None and not (finite and math.isfinite(value)):
                raise ValueError("a score is a finite number or null")
    return scores


def check_result(outcome, family):
    """ValueError naming the first field of a finished run's result that is not as a
    training job's result is."""
    if not isinstance(outcome, dict) or outcome.get("task") not in TASKS:
        raise ValueError("task is binary, multiclass, regression or forecasting")
    if outcome.get("best") != family:
        raise ValueError(f"best is the job's family, {family}")
    clean_scores(outcome.get("scores"), family)
    if family not in outcome["scores"]:
        raise ValueError("scores hold the family's")
    model = outcome.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("features"), list):
        raise ValueError("model holds the features")
    for feature in model["features"]:
        if not (
            isinstance(feature, dict)
            and isinstance(feature.get("column"), str)
            and 0 < len(feature["column"]) <= 255
            and feature.get("encoding") in ENCODINGS
        ):
            raise ValueError("each feature has a column (text) and an encoding")
    for key in ("onnx_check", "npu_check"):
        if not isinstance(model.get(key, {}), dict):
            raise ValueError(f"model.{key} is an object")
    if not isinstance(outcome.get("leaks", []), list) or not isinstance(
        outcome.get("excluded", {}), dict
    ):
        raise ValueError("leaks is a list and excluded an object")
