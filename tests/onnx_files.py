"""ONNX files for the validator's tests, built with onnx.helper: a good one, and the hostile
shapes REFERENCE §6 warns about."""

import pickle
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _model(nodes, inputs, outputs, initializers=(), opset=13, domains=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="onestop-tests")
    model.ir_version = 8
    return model


def linear_model(features=4, opset=13, fixed_batch=None):
    """y = x·W + b, a tiny neural-network-style model every flavor can take."""
    weights = numpy_helper.from_array(np.ones((features, 2), dtype=np.float32), "W")
    bias = numpy_helper.from_array(np.zeros(2, dtype=np.float32), "B")
    return _model(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "B"], ["y"]),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [fixed_batch or "batch", features])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [fixed_batch or "batch", 2])],
        [weights, bias],
        opset=opset,
    )


def save(model, path):
    path.write_bytes(model.SerializeToString())
    return path


def good(path, **kwargs):
    return save(linear_model(**kwargs), path)


def external_data(path, location):
    model = linear_model()
    weights = model.graph.initializer[0]
    weights.ClearField("raw_data")
    weights.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "32")):
        entry = weights.external_data.add()
        entry.key, entry.value = key, value
    return save(model, path)


def custom_domain(path):
    model = _model(
        [helper.make_node("Backdoor", ["x"], ["y"], domain="com.evil")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        domains=["com.evil"],
    )
    return save(model, path)


def truncated(path):
    data = linear_model().SerializeToString()
    path.write_bytes(data[: len(data) // 2])
    return path


def future_opset(path, opset=99):
    model = linear_model()
    model.opset_import[0].version = opset
    return save(model, path)


def memory_hog(path, side=60_000):
    """Valid and tiny on disk; its first run asks for side² floats (about 14 GB at 60,000)."""
    shape = numpy_helper.from_array(np.array([side, side], dtype=np.int64), "shape")
    return save(
        _model(
            [
                helper.make_node("ConstantOfShape", ["shape"], ["big"]),
                helper.make_node("ReduceSum", ["big"], ["total"], keepdims=0),
                helper.make_node("Add", ["x", "total"], ["y"]),
            ],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch"])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
            [shape],
        ),
        path,
    )


def pickle_named_onnx(path):
    path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    return path


def zip_named_onnx(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps([1]))
    return path


def garbage(path, size=4096):
    path.write_bytes(np.random.default_rng(5).bytes(size))
    return path


def checker_failure(path):
    """Refers to an input nobody produces."""
    model = _model(
        [helper.make_node("Relu", ["nowhere"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    return save(model, path)


def onnx_check(model):
    onnx.checker.check_model(model)
    return model


def counting_body():
    """A Loop body that adds one to its accumulator each time round."""
    return helper.make_graph(
        [
            helper.make_node("Add", ["acc_in", "one"], ["acc_out"]),
            helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, ["batch"]),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, ["batch"]),
        ],
        initializer=[numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one")],
    )


def endless_loop(path, trips=10**12):
    """A Loop whose body runs a trillion times: loads fine, never finishes a run."""
    body = counting_body()
    return save(
        _model(
            [helper.make_node("Loop", ["trips", "cond", "x"], ["y"], body=body)],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch"])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
            [
                numpy_helper.from_array(np.array(trips, dtype=np.int64), "trips"),
                numpy_helper.from_array(np.array(True), "cond"),
            ],
        ),
        path,
    )


def input_driven_loop(path):
    """A Loop whose trip count comes from the request: harmless on validation's generated
    inputs (0 or 1), a runaway when a client sends a huge count."""
    body = counting_body()
    return save(
        _model(
            [helper.make_node("Loop", ["trips", "cond", "x"], ["y"], body=body)],
            [
                helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch"]),
                helper.make_tensor_value_info("trips", TensorProto.INT64, []),
            ],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
            [numpy_helper.from_array(np.array(True), "cond")],
        ),
        path,
    )
