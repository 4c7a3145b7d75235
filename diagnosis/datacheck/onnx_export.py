"""A study's best model as ONNX, checked against scikit-learn on rows it never saw: what an
endpoint will run must give the answers the study measured."""

import numpy as np

# A probability that differs by more than this, or any differing label, is a failed export.
ONNX_TOLERANCE = 1e-4


def export_and_check(model, held_out, family):
    """The fitted pipeline as ONNX, and how its outputs compare with scikit-learn's on the
    held-out rows. Inputs are float32 on both sides, as an endpoint will receive them."""
    import onnxruntime as ort
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
    onnx_bytes = onnx_model.SerializeToString()
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
    agreement = (
        1.0 if labels is None else float(np.mean(np.asarray(labels).ravel() == expected_labels))
    )
    scale = max(1.0, float(np.max(np.abs(expected_scores)))) if len(held_out) else 1.0
    return onnx_bytes, {
        "rows": len(held_out),
        "label_agreement": round(agreement, 6),
        "max_abs_difference": diff,
        "matches": agreement == 1.0 and diff <= ONNX_TOLERANCE * scale,
        "outputs": [o.name for o in session.get_outputs()],
    }
