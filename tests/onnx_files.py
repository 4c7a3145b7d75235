"""ONNX files for the validator's tests, built with onnx.helper: a good one, and the hostile
shapes docs/catalog-and-matching.md lists (external data, pickles, unknown domains, …)."""

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


def linear_model(features=4, opset=13, fixed_batch=None, bias=0.0):
    """y = x·W + b, a tiny neural-network-style model every flavor can take."""
    weights = numpy_helper.from_array(np.ones((features, 2), dtype=np.float32), "W")
    bias = numpy_helper.from_array(np.full(2, bias, dtype=np.float32), "B")
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


# --- external data in every place a tensor can hide ----------------------------------------


def _external(tensor, location):
    """Point ``tensor`` at a file outside the model, as a hostile exporter would."""
    tensor.ClearField("raw_data")
    tensor.ClearField("float_data")
    tensor.ClearField("int64_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "16")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


def _floats(name, shape=(4,)):
    return numpy_helper.from_array(np.ones(shape, dtype=np.float32), name)


def _sparse(name, location):
    values = _external(_floats(f"{name}_values", (2,)), location)
    indices = numpy_helper.from_array(np.array([0, 3], dtype=np.int64), f"{name}_indices")
    return helper.make_sparse_tensor(values, indices, [4])


def _add_x(nodes, extra_initializers=()):
    """y = x + c around ``nodes``: a valid frame for a tensor placed somewhere inside."""
    return _model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        extra_initializers,
    )


def _if_with(branch, name="gate"):
    """An If node whose then- and else-branches are ``branch``, fed by a constant condition."""
    return [
        helper.make_node("Constant", [], ["cond"], value=helper.make_tensor("c", 9, [], [True])),
        helper.make_node("If", ["cond"], ["c4"], name=name, then_branch=branch, else_branch=branch),
        helper.make_node("Add", ["x", "c4"], ["y"]),
    ]


def _empty_branch(**extra):
    """A subgraph with no nodes and no initializers: it only passes a tensor through."""
    graph = helper.make_graph(
        [], "empty", [], [helper.make_tensor_value_info("c4", TensorProto.FLOAT, [4])]
    )
    for key, values in extra.items():
        getattr(graph, key).extend(values)
    return graph


def external_sparse_initializer(path, location="../../secret"):
    model = _add_x([helper.make_node("Add", ["x", "s"], ["y"])])
    model.graph.sparse_initializer.append(_sparse("s", location))
    return save(model, path)


def external_sparse_in_empty_subgraph(path, location="../../secret"):
    branch = _empty_branch(sparse_initializer=[_sparse("c4", location)])
    return save(_add_x(_if_with(branch)), path)


def external_initializer_in_empty_subgraph(path, location="../../secret"):
    """An initializer in a branch with no nodes (a walk that skips node-less graphs misses it)."""
    branch = _empty_branch(initializer=[_external(_floats("c4"), location)])
    return save(_add_x(_if_with(branch)), path)


def external_constant_in_loop_body(path, location="../../secret"):
    body = counting_body()
    body.node.insert(
        0,
        helper.make_node(
            "Constant", [], ["unused"], name="hidden", value=_external(_floats("k"), location)
        ),
    )
    return save(
        _model(
            [helper.make_node("Loop", ["trips", "cond", "x"], ["y"], name="loop", body=body)],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch"])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
            [
                numpy_helper.from_array(np.array(2, dtype=np.int64), "trips"),
                numpy_helper.from_array(np.array(True), "cond"),
            ],
        ),
        path,
    )


def external_sparse_constant(path, location="../../secret"):
    """A Constant whose sparse_value keeps its values outside, inside an If branch."""
    branch = helper.make_graph(
        [helper.make_node("Constant", [], ["c4"], sparse_value=_sparse("k", location))],
        "branch",
        [],
        [helper.make_tensor_value_info("c4", TensorProto.FLOAT, [4])],
    )
    return save(_add_x(_if_with(branch)), path)


def external_attribute_tensor_list(path, location="../../secret"):
    """A tensor list attribute (TENSORS) on a node."""
    node = helper.make_node("Identity", ["x"], ["y"], name="tagged")
    node.attribute.append(
        helper.make_attribute(
            "notes", [_external(_floats("t"), location)], attr_type=onnx.AttributeProto.TENSORS
        )
    )
    return save(_add_x([node]), path)


def external_attribute_sparse_list(path, location="../../secret"):
    """A sparse tensor list attribute (SPARSE_TENSORS), a kind nobody lists by hand."""
    node = helper.make_node("Identity", ["x"], ["y"], name="tagged")
    attribute = node.attribute.add()
    attribute.name, attribute.type = "notes", onnx.AttributeProto.SPARSE_TENSORS
    attribute.sparse_tensors.append(_sparse("t", location))
    return save(_add_x([node]), path)


def external_in_function_body(path, location="../../secret"):
    function = helper.make_function(
        "com.vendor",
        "AddConstant",
        ["a"],
        ["b"],
        [
            helper.make_node("Constant", [], ["k"], value=_external(_floats("k"), location)),
            helper.make_node("Add", ["a", "k"], ["b"]),
        ],
        [helper.make_opsetid("", 13)],
    )
    model = _add_x([helper.make_node("AddConstant", ["x"], ["y"], domain="com.vendor")])
    model.opset_import.append(helper.make_opsetid("com.vendor", 1))
    model.functions.append(function)
    return save(model, path)


def external_in_training_graph(path, location="../../secret"):
    """A training-info graph, which ONNX Runtime never runs, holding an external initializer."""
    model = linear_model()
    info = model.training_info.add()
    info.initialization.CopyFrom(
        helper.make_graph(
            [],
            "init",
            [],
            [helper.make_tensor_value_info("w0", TensorProto.FLOAT, [4])],
            initializer=[_external(_floats("w0"), location)],
        )
    )
    return save(model, path)


def named_tensors(path, input_name="x", output_name="y"):
    """The linear model with other input and output names (any text a vendor's exporter wrote)."""
    model = linear_model()
    graph = model.graph
    for node in graph.node:
        node.input[:] = [input_name if n == "x" else n for n in node.input]
        node.output[:] = [output_name if n == "y" else n for n in node.output]
    graph.input[0].name = input_name
    graph.output[0].name = output_name
    return save(model, path)


def loop_inside_a_branch(path):
    """An If whose then-branch holds an input-driven Loop: the runaway hides in a subgraph."""
    loop = helper.make_node("Loop", ["trips", "cond", "x"], ["looped"], body=counting_body())
    then_branch = helper.make_graph(
        [loop],
        "then",
        [],
        [helper.make_tensor_value_info("looped", TensorProto.FLOAT, ["batch"])],
        initializer=[numpy_helper.from_array(np.array(True), "cond")],
    )
    else_branch = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["same"])],
        "else",
        [],
        [helper.make_tensor_value_info("same", TensorProto.FLOAT, ["batch"])],
    )
    return save(
        _model(
            [
                helper.make_node("Cast", ["trips"], ["any"], to=TensorProto.BOOL),
                helper.make_node(
                    "If", ["any"], ["y"], then_branch=then_branch, else_branch=else_branch
                ),
            ],
            [
                helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch"]),
                helper.make_tensor_value_info("trips", TensorProto.INT64, []),
            ],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
        ),
        path,
    )


def input_driven_range(path):
    """Range(0, limit, 1) with the limit from the request: a number sets the output's size."""
    return save(
        _model(
            [
                helper.make_node("Range", ["start", "limit", "delta"], ["steps"]),
                helper.make_node("ReduceSum", ["steps"], ["total"], keepdims=0),
                helper.make_node("Cast", ["total"], ["y"], to=TensorProto.FLOAT),
            ],
            [helper.make_tensor_value_info("limit", TensorProto.INT64, [])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [])],
            [
                numpy_helper.from_array(np.array(0, dtype=np.int64), "start"),
                numpy_helper.from_array(np.array(1, dtype=np.int64), "delta"),
            ],
        ),
        path,
    )


def free_dimensions(path, rank=3):
    """y = relu(x) on an input whose every dimension is free."""
    dims = [f"d{i}" for i in range(rank)]
    return save(
        _model(
            [helper.make_node("Relu", ["x"], ["y"])],
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, dims)],
        ),
        path,
    )
