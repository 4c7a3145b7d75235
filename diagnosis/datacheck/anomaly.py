"""The unsupervised half of a feasibility study: with no target, an isolation forest marks the
unusual rows, and the columns that set them apart are named."""

import numpy as np
from django.utils.translation import gettext as _

from diagnosis.datacheck.errors import StudyError
from diagnosis.datacheck.onnx_export import export_and_check
from diagnosis.datacheck.supervised import HOLDOUT_SHARE


def anomaly_study(features, seed, progress):
    from sklearn.ensemble import IsolationForest
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if "number" not in features.encodings:
        raise StudyError(
            _(
                "Looking for unusual rows needs measured numbers (temperatures, speeds, counts); "
                "this table has none."
            )
        )
    progress(40, _("Fitting an anomaly detector"))
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        IsolationForest(n_estimators=100, random_state=seed),
    )
    index = np.arange(features.matrix.shape[0])
    cut = int(len(index) * (1 - HOLDOUT_SHARE))
    model.fit(features.matrix[:cut])
    flags = model.predict(features.matrix) == -1
    progress(80, _("Checking the model on rows it never saw"))
    onnx_bytes, check = export_and_check(model, features.matrix[cut:], "anomaly")
    unusual = []
    matrix = features.matrix
    if flags.any() and (~flags).any():
        normal_mean = np.nanmean(matrix[~flags], axis=0)
        normal_std = np.nanstd(matrix[~flags], axis=0) + 1e-9
        shift = np.abs(np.nanmean(matrix[flags], axis=0) - normal_mean) / normal_std
        order = np.argsort(-np.nan_to_num(shift))[:5]
        unusual = [
            {"column": features.names[i], "shift_sd": round(float(shift[i]), 2)} for i in order
        ]
    return {
        "metric": "anomaly_share",
        "scores": {"anomaly_share": round(float(flags.mean()), 4)},
        "best": "isolation_forest",
        "lift": None,
        "verdict": "anomaly",
        "importance": unusual,
        "model": {
            "algorithm": "IsolationForest",
            "onnx_check": check,
            "inputs": len(features.names),
        },
        "_onnx": onnx_bytes,
    }
