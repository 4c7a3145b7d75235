"""A study's best model as ONNX, checked against scikit-learn on rows it never saw: what an
endpoint will run must give the answers the study measured."""

import logging

import numpy as np

logger = logging.getLogger(__name__)

# A probability that differs by more than this, or any differing label, is a failed export.
ONNX_TOLERANCE = 1e-4


def export_and_check(model, held_out, family):
    """The fitted pipeline as ONNX, and how its outputs compare with scikit-learn's on the
    held-out rows. Inputs are float32 on both sides, as an endpoint will receive them."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    final = model[-1]
    options = {id(final): {"zipmap": False}} if family in ("binary", "multiclass") else None
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, held_out.shape[1]]))],
        options=options,
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    return compare(model, onnx_model.SerializeToString(), held_out, family)


def export_npu_and_check(model, held_out, family):
    """The NPU-ready form (standard operators only, see ``npu_export``) and its comparison with
    scikit-learn, or (None, the reason it could not be made)."""
    from diagnosis.datacheck.npu_export import NotConvertible, npu_model

    try:
        onnx_model = npu_model(model, held_out.shape[1], family)
        onnx_bytes, check = compare(model, onnx_model.SerializeToString(), held_out, family)
    except NotConvertible as exc:
        return None, {"converted": False, "reason": f"not convertible: {exc}"}
    except Exception as exc:  # the NPU form is extra: its failure never fails the study
        logger.exception("the NPU-ready form could not be made")
        return None, {"converted": False, "reason": f"could not be made ({type(exc).__name__})"}
    if not check["matches"]:
        return None, {**check, "converted": False, "reason": "differs from the trained model"}
    return onnx_bytes, {**check, "converted": True}


def compare(model, onnx_bytes, held_out, family):
    """(onnx_bytes, how its outputs compare with scikit-learn's on ``held_out``)."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"input": held_out})
    if family in ("binary", "multiclass"):
        expected_labels = model.predict(held_out)
        expected_scores = model.predict_proba(held_out)
        labels, scores = outputs[0], outputs[1]
    elif family == "anomaly":
        expected_labels = model.predict(held_out)
        expected_scores = model.decision_function(held_out)
        labels, scores = outputs[0].ravel(), outputs[1].ravel()
    else:
        expected_labels = None
        expected_scores = model.predict(held_out)
        labels, scores = None, outputs[0].ravel()
    diff = (
        float(np.max(np.abs(np.asarray(scores, dtype=float) - expected_scores)))
        if len(held_out)
        else 0.0
    )
    agreement = 1.0 if labels is None else label_agreement(labels, expected_labels, expected_scores)
    scale = max(1.0, float(np.max(np.abs(expected_scores)))) if len(held_out) else 1.0
    return onnx_bytes, {
        "rows": len(held_out),
        "label_agreement": round(agreement, 6),
        "max_abs_difference": diff,
        "matches": agreement == 1.0 and diff <= ONNX_TOLERANCE * scale,
        "outputs": [o.name for o in session.get_outputs()],
    }


def label_agreement(labels, expected_labels, expected_scores):
    """The share of rows where the labels agree, not counting rows where the trained model's
    two best classes tie (within the tolerance): there either label is the model's answer, and
    float32 sums may break the tie the other way."""
    labels = np.asarray(labels).ravel()
    scores = np.asarray(expected_scores, dtype=float)
    if scores.ndim == 2 and scores.shape[1] >= 2:
        top_two = np.sort(scores, axis=1)[:, -2:]
        decided = top_two[:, 1] - top_two[:, 0] > ONNX_TOLERANCE
    else:
        decided = np.ones(len(labels), dtype=bool)
    if not decided.any():  # nothing to check the labels on
        return 0.0 if len(labels) else 1.0
    return float(np.mean(labels[decided] == np.asarray(expected_labels)[decided]))
