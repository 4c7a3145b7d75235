"""Run a catalog model on the company's own data: the accuracy that decides, measured, not
claimed. The model has passed sandboxed validation before it can be published; the measurement
runs as a data job, in its own process with a memory and time budget
(diagnosis.datacheck.jobs), so it takes plain values, not database rows."""

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.matching.columns import auto_map, input_key

MAX_ROWS = 50_000
BATCH = 8192


def features(frame, inputs, mapping):
    columns = []
    for spec in inputs:
        source = frame.get_column(mapping[input_key(spec)])
        if "value" in spec:
            columns.append(
                (source.cast(pl.String) == spec["value"]).fill_null(False).cast(pl.Float32)
            )
        else:
            columns.append(source.cast(pl.Float32, strict=False))
    return np.column_stack([c.to_numpy() for c in columns]).astype(np.float32)


def evaluate_job(
    *, inputs, task, artifact, columns, normalised, target, corrections=None, progress=None
):
    """{metric, value, score (0–1), rows, mapping} of the model at `artifact` (its declared
    `inputs`, its family's `task`) on the typed table `normalised` with the profile's
    `columns`."""
    import onnxruntime as ort
    from sklearn.metrics import r2_score, roc_auc_score

    if not inputs:
        raise UnreadableFile(
            _("The model does not describe its inputs, so it cannot be run on your data.")
        )
    mapping = auto_map(inputs, columns, corrections)
    if not mapping.complete:
        missing = [key for key, column in mapping.columns.items() if not column]
        raise UnreadableFile(
            _("Your data has no column for %(inputs)s. Map them by hand first.")
            % {"inputs": ", ".join(missing[:5])}
        )
    frame = pl.read_parquet(normalised)
    frame = frame.filter(pl.col(target).is_not_null())
    if frame.height > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, seed=0)
    if frame.height < 10:
        raise UnreadableFile(_("Too few rows have a value for '%(target)s'.") % {"target": target})
    matrix = features(frame, inputs, mapping.columns)
    with open(artifact, "rb") as f:
        session = ort.InferenceSession(f.read(), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    outputs = [
        session.run(None, {name: matrix[i : i + BATCH]}) for i in range(0, len(matrix), BATCH)
    ]
    y = frame.get_column(target)
    if task in ("binary", "anomaly"):
        truth = (
            y.cast(pl.Float64, strict=False) if y.dtype != pl.Boolean else y.cast(pl.Float64)
        ).to_numpy()
        if len(outputs[0]) > 1:
            scores = np.concatenate([o[1] for o in outputs])
            scores = scores[:, -1] if scores.ndim == 2 else scores
        else:
            scores = np.concatenate([o[0] for o in outputs]).ravel()
        if len(np.unique(truth[~np.isnan(truth)])) != 2:
            raise UnreadableFile(
                _("'%(target)s' needs exactly two outcomes to score this model.")
                % {"target": target}
            )
        value = float(roc_auc_score(truth, scores))
        return measured("ROC-AUC", value, max(0.0, (value - 0.5) / 0.5), frame, mapping)
    predictions = np.concatenate([o[0] for o in outputs]).ravel()
    value = float(r2_score(y.cast(pl.Float64).to_numpy(), predictions))
    return measured("R²", value, max(0.0, min(1.0, value)), frame, mapping)


def measured(metric, value, score, frame, mapping):
    return {
        "metric": metric,
        "value": value,
        "score": score,
        "rows": frame.height,
        "mapping": mapping.columns,
    }
