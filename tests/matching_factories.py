"""Real ONNX models for matching tests, trained here on data whose answer is known."""

import io

import numpy as np
import polars as pl
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression

from deployment.services import catalog

INPUTS = [
    {"name": "torque", "type": "number", "unit": "Nm"},
    {"name": "rotational speed", "type": "number", "unit": "rpm"},
]


def plant_data(rows=400, seed=0):
    """Failures come with high torque at low speed."""
    rng = np.random.default_rng(seed)
    torque = rng.normal(40, 10, rows).round(1)
    speed = rng.normal(1500, 150, rows).round(0)
    risk = (torque - 40) / 10 - (speed - 1500) / 150
    failure = (risk + rng.normal(0, 0.5, rows) > 1.5).astype(int)
    return pl.DataFrame(
        {"Torque [Nm]": torque, "Rotational speed [rpm]": speed, "failure": failure}
    )


def csv_bytes(frame):
    out = io.BytesIO()
    frame.write_csv(out)
    return out.getvalue()


def trained_onnx(invert=False, seed=1):
    """A logistic regression on fresh plant data; `invert` learns the opposite of the truth."""
    frame = plant_data(seed=seed)
    X = frame.select("Torque [Nm]", "Rotational speed [rpm]").to_numpy().astype(np.float32)
    y = frame.get_column("failure").to_numpy()
    model = LogisticRegression(max_iter=1000).fit(X, 1 - y if invert else y)
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, 2]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 13, "ai.onnx.ml": 3},
    )
    return onnx_model.SerializeToString()


def published(family, data, version="1.0", claimed=None, inputs=INPUTS):
    """A version stored and validated in the sandbox, as a vendor's upload would be."""
    created = catalog.version_create(
        family=family,
        version=version,
        chunks=[data],
        claimed_metrics=claimed or {},
        input_columns=inputs,
        origin="tests",
    )
    catalog.version_validate(created.pk)
    created.refresh_from_db()
    assert created.state == "published", created.reason
    return created
