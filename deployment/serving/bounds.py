"""Which models the event loop may run itself: those whose run time is fixed by the request's
shape alone, read from the model's graph once per artifact (when its session loads).

Validation measured each model on one generated row. That figure says nothing about a request
whose *values* steer the work: a Loop whose trip count is an input ran for as long as its
deadline allowed, and while it ran on the loop every other call to this process waited. So a
model is answered on the loop only when no node anywhere in it (subgraphs included) is control
flow or an operator listed below; the request's size is capped separately (``handling``)."""

import logging

logger = logging.getLogger(__name__)

# Operators that run a graph of their own a number of times, or pick one of several graphs,
# by a tensor's values (Scan by a shape, but its body may hold anything).
CONTROL_FLOW = frozenset({"If", "Loop", "Scan", "SequenceMap"})

# Operators whose output size, or whose work, comes from the *values* of a tensor rather than
# from the shapes of their inputs. One number in a request can make any of them allocate or
# compute without bound (ConstantOfShape([10**6, 10**6]), Range(0, 10**12, 1), Tile by 10**9...).
# Kept even where the value only trims the output (TopK, NonZero, Compress, Unique): deciding
# which input a value came from is not worth a mistake on the loop. Ops bounded by the input's
# size, however its values look, are not listed: element-wise maths, MatMul, Gather/Slice/
# Reshape (the indices' or the input's shape sets the output), reductions, the ai.onnx.ml tree,
# linear and SVM ops (the model fixes their work), string ops (linear in the body's bytes).
VALUE_DEPENDENT = frozenset(
    {
        # output shape read from a tensor
        "AffineGrid",  # size
        "CenterCropPad",  # shape
        "Col2Im",  # image_shape, block_shape
        "ConstantOfShape",  # shape
        "Expand",  # shape
        "OneHot",  # depth
        "Pad",  # pads
        "Range",  # start, limit, delta
        "Resize",  # scales, sizes
        "Tile",  # repeats
        "Upsample",  # scales
        "MaxUnpool",  # output_shape
        # signal processing: lengths and frame counts read from tensors
        "BlackmanWindow",
        "DFT",
        "HammingWindow",
        "HannWindow",
        "MelWeightMatrix",
        "STFT",
        # output size (or the number of elements kept) decided by the data
        "Compress",
        "ImageDecoder",  # the encoded image's own header says how big it is
        "NonMaxSuppression",
        "NonZero",
        "TopK",
        "Unique",
        # work per region read from box coordinates
        "MaxRoiPool",
        "RoiAlign",
    }
)
STANDARD_DOMAINS = {"": "", "ai.onnx": "", "ai.onnx.ml": "ai.onnx.ml"}


def artifact_is_bounded(path):
    """Whether the model file at ``path`` runs in a time its input shapes bound. False when the
    file cannot be read as ONNX: a model we cannot inspect is not answered on the loop."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception:  # protobuf's and onnx's own error types: not inspectable, so not inline
        logger.warning("could not inspect %s; its requests run in threads", path, exc_info=True)
        return False
    return model_is_bounded(model)


def model_is_bounded(model):
    if model.functions:  # a local function may shadow a standard operator's name
        return False
    return all(node_is_bounded(node) for node in nodes(model.graph))


def node_is_bounded(node):
    domain = STANDARD_DOMAINS.get(node.domain)
    if domain is None:  # custom operators: nothing known about their cost
        return False
    if node.op_type in CONTROL_FLOW or node.op_type in VALUE_DEPENDENT:
        return False
    import onnx.defs

    return onnx.defs.has(node.op_type, domain)  # an unknown name is not judged safe


def nodes(graph):
    """Every node of the graph and of every subgraph inside it, empty subgraphs included."""
    stack = [graph]
    while stack:
        current = stack.pop()
        for node in current.node:
            yield node
            for attribute in node.attribute:
                if attribute.HasField("g"):
                    stack.append(attribute.g)
                stack.extend(attribute.graphs)
