"""Small neural networks written straight into ONNX with standard operators only (MatMul,
Add, Relu, Sigmoid), so the domestic NPU compilers can take them: skl2onnx's own converter
adds classical-ML operators (ArrayFeatureExtractor, Scaler) that those compilers do not."""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 13  # what Furiosa's compiler takes


def mlp_to_onnx(scaler, mlp, *, classifier, name="model"):
    """A fitted StandardScaler and MLPClassifier (binary) or MLPRegressor as ONNX bytes.
    Input "input" [batch, n]; outputs "label" and "probabilities" for a classifier, "variable"
    for a regressor."""
    n = len(scaler.mean_)
    inits = [
        numpy_helper.from_array(scaler.mean_.astype(np.float32), "mean"),
        numpy_helper.from_array(scaler.scale_.astype(np.float32), "scale"),
    ]
    nodes = [
        helper.make_node("Sub", ["input", "mean"], ["centred"]),
        helper.make_node("Div", ["centred", "scale"], ["h0"]),
    ]
    last = "h0"
    layers = list(zip(mlp.coefs_, mlp.intercepts_, strict=True))
    for i, (weights, bias) in enumerate(layers):
        inits += [
            numpy_helper.from_array(weights.astype(np.float32), f"W{i}"),
            numpy_helper.from_array(bias.astype(np.float32), f"b{i}"),
        ]
        nodes += [
            helper.make_node("MatMul", [last, f"W{i}"], [f"m{i}"]),
            helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i}"]),
        ]
        last = f"a{i}"
        if i < len(layers) - 1:
            nodes.append(helper.make_node("Relu", [last], [f"r{i}"]))
            last = f"r{i}"
    if classifier:
        inits.append(numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one"))
        nodes += [
            helper.make_node("Sigmoid", [last], ["p1"]),
            helper.make_node("Sub", ["one", "p1"], ["p0"]),
            helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1),
            helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
        ]
        outputs = [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2]),
        ]
    else:
        nodes.append(helper.make_node("Identity", [last], ["variable"]))
        outputs = [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["batch", 1])]
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", n])],
        outputs,
        initializer=inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="onestop"
    )
    model.ir_version = 8
    return model.SerializeToString()
