"""The serving benchmark's models and requests: a 100-tree random forest on the five AI4I 2020
sensor columns, the demo's visual-inspection network, one row of each as a client sends it,
and the floor (one ``session.run`` in this process)."""

import json
import time
from pathlib import Path

import numpy as np
from django.conf import settings

COLUMNS = (3, 4, 5, 6, 7)  # air and process temperature, speed, torque, tool wear
LABEL = 8  # machine failure


def ai4i_csv():
    """The AI4I 2020 file the repository keeps for its tests (see tests/data/README.md)."""
    return Path(settings.BASE_DIR) / "tests" / "data" / "ai4i2020.csv"


def forest_model(work):
    """(ONNX path, feature rows): 100 trees on the AI4I sensors, FP32 input [-1, 5]."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestClassifier

    table = np.loadtxt(ai4i_csv(), delimiter=",", skiprows=1, usecols=(*COLUMNS, LABEL))
    X, y = table[:, :-1].astype(np.float32), table[:, -1].astype(int)
    model = RandomForestClassifier(n_estimators=100, random_state=7, n_jobs=1).fit(X, y)
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, len(COLUMNS)]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    path = work / "forest.onnx"
    path.write_bytes(onnx_model.SerializeToString())
    return path, X


def vision_model(work):
    """The demo catalog's visual-inspection network, built by the demo's own functions."""
    from deployment import demo

    rng = np.random.default_rng(demo.SEED)
    images, scratched = demo.scratch_images(rng)
    onnx_bytes, _metrics = demo.neural(images, scratched, classifier=True, hidden=(32,))
    path = work / "vision.onnx"
    path.write_bytes(onnx_bytes)
    return path, images


def ort_session(path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = settings.ONESTOP_SERVING_THREADS
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def in_process(path, rows):
    session = ort_session(path)
    names = [arg.name for arg in session.get_outputs()]
    return dict(zip(names, session.run(names, {"input": rows}), strict=True))


def run_floor(path, rows, runs=20_000):
    session = ort_session(path)
    for _ in range(1000):
        session.run(None, {"input": rows})
    started = time.perf_counter()
    for _ in range(runs):
        session.run(None, {"input": rows})
    return (time.perf_counter() - started) / runs * 1e6


def request_bodies(work, rows, images):
    """{name: (body file, binary header length or "")}: one row, as a client sends it."""
    forest = json.dumps(
        {
            "id": "bench",
            "inputs": [
                {
                    "name": "input",
                    "shape": list(rows.shape),
                    "datatype": "FP32",
                    "data": rows.ravel().tolist(),
                }
            ],
        }
    ).encode()
    raw = images.astype(np.float32).tobytes()
    header = json.dumps(
        {
            "id": "bench",
            "inputs": [
                {
                    "name": "input",
                    "shape": list(images.shape),
                    "datatype": "FP32",
                    "parameters": {"binary_data_size": len(raw)},
                }
            ],
            "parameters": {"binary_data_output": True},
        }
    ).encode()
    (work / "forest.json").write_bytes(forest)
    (work / "vision.bin").write_bytes(header + raw)
    return {"forest": (work / "forest.json", ""), "vision": (work / "vision.bin", len(header))}
