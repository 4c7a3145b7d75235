"""A fitted tree ensemble as ONNX the domestic NPU compilers take: standard operators only (no
``ai.onnx.ml`` domain, whose tree-ensemble operators they refuse), opset 13 (the highest
FuriosaAI's compiler takes), and every dimension but the batch fixed (what Rebellions'
compiler needs).

The trees become tensor operations by tree traversal, the formulation Hummingbird describes:
every tree's nodes are laid side by side in flat arrays (feature, threshold, left child, right
child, leaf value), a leaf points at itself, and each level of depth is one step of
``Gather`` → ``GatherElements`` → ``LessOrEqual`` → ``Where`` for all rows and all trees at
once. After as many steps as the deepest tree has levels, every row sits on a leaf in every
tree, and the leaves' values are summed. Memory grows with the number of nodes, not with nodes
times leaves as in the GEMM formulation, so forests of deep trees fit. Hummingbird itself is
not used: it needs PyTorch, whose default wheel brings the whole CUDA stack.

Exactness: scikit-learn compares a float32 feature with a float64 threshold. Each threshold is
stored as the largest float32 not above it, for which ``x <= t32`` holds exactly when
``x <= t`` does for every float32 ``x``; the forms agree to the last bit of the comparisons,
and the sums differ only by float32 rounding."""

import numpy as np

NPU_OPSET = 13
# The batch sizes an NPU-ready model is meant to be compiled for; recorded in the model, and
# listed on the version, for the providers' compilers.
BATCH_SIZES = (1, 8, 32)
MAX_NODES = 2_000_000  # all trees together: about 50 MB of arrays


class NotConvertible(Exception):
    """The model is not one this converter turns into standard operators; the message says
    which part."""


def npu_model(pipeline, n_features, task):
    """The ONNX ModelProto of a fitted scikit-learn pipeline (an optional ``SimpleImputer`` and
    ``StandardScaler``, then a tree ensemble, a linear model or a small neural network), with
    the outputs skl2onnx gives the CPU form: ``label`` and ``probabilities`` for a classifier,
    ``variable`` for a regressor."""
    steps = list(pipeline.steps) if hasattr(pipeline, "steps") else [("model", pipeline)]
    *before, (_name, estimator) = steps
    graph = Graph()
    features = "input"
    for _step, transformer in before:
        features = graph.transform(transformer, features, n_features)
    kind = type(estimator).__name__
    if kind not in DENSE and not any(type(t).__name__ == "SimpleImputer" for _s, t in before):
        # A missing value would take the other branch than scikit-learn's trees send it.
        raise NotConvertible("trees with no imputer before them")
    if kind in DENSE:
        raw, post, width = dense_layers(graph, estimator, features)
    else:
        raw, post, width = graph.trees(ensemble_trees(estimator, task), features)
    outputs = graph.finish(raw, post, width, estimator)
    return graph.model(outputs, n_features)


class Trees:
    """The ensemble as flat arrays, and how to turn the summed leaf values into outputs."""

    def __init__(self, width, base, post, scale=None):
        self.width, self.base, self.post = width, np.asarray(base, np.float32), post
        self.scale = scale  # applied to the sum, as scikit-learn averages a forest's votes
        # (stages, classes) when each tree adds to one class only (multiclass boosting): one
        # value per node, the trees' leaves then folded into [batch, stages, classes], rather
        # than a mostly-zero class-wide row per node and tree.
        self.stacked = None
        self.feature, self.threshold, self.left, self.right, self.value = [], [], [], [], []
        self.roots, self.depth, self.count = [], 0, 0

    def add(self, tree, column_values):
        """One scikit-learn ``tree_``; ``column_values`` maps its leaf values to the output
        columns (already weighted)."""
        n = tree.node_count
        offset = self.count
        leaf = tree.children_left == -1
        own = np.arange(n) + offset
        self.roots.append(offset)
        self.feature.append(np.where(leaf, 0, tree.feature).astype(np.int64))
        self.threshold.append(round_down(np.where(leaf, 0.0, tree.threshold)))
        self.left.append(np.where(leaf, own, tree.children_left + offset).astype(np.int64))
        self.right.append(np.where(leaf, own, tree.children_right + offset).astype(np.int64))
        self.value.append(column_values.astype(np.float32))
        self.depth = max(self.depth, int(tree.max_depth))
        self.count += n
        if self.count > MAX_NODES:
            raise NotConvertible(f"the ensemble has more than {MAX_NODES:,} nodes")


def round_down(thresholds):
    """The largest float32 at or below each float64 threshold."""
    t32 = thresholds.astype(np.float32)
    above = t32.astype(np.float64) > thresholds
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def ensemble_trees(estimator, task):
    kind = type(estimator).__name__
    if kind in ("RandomForestClassifier", "ExtraTreesClassifier", "DecisionTreeClassifier"):
        members = getattr(estimator, "estimators_", [estimator])
        classes = len(estimator.classes_)
        trees = Trees(classes, np.zeros(classes), "probabilities", scale=1 / len(members))
        for member in members:
            value = member.tree_.value[:, 0, :]
            totals = value.sum(axis=1, keepdims=True)
            trees.add(member.tree_, value / np.where(totals == 0, 1, totals))
        return trees
    if kind in ("RandomForestRegressor", "ExtraTreesRegressor", "DecisionTreeRegressor"):
        members = getattr(estimator, "estimators_", [estimator])
        trees = Trees(1, np.zeros(1), "variable", scale=1 / len(members))
        for member in members:
            trees.add(member.tree_, member.tree_.value[:, 0, :1])
        return trees
    if kind in ("GradientBoostingClassifier", "GradientBoostingRegressor"):
        return boosted_trees(estimator, kind)
    raise NotConvertible(f"{kind} is not a tree ensemble this converter knows")


def boosted_trees(estimator, kind):
    if estimator.init not in (None, "zero"):
        raise NotConvertible("boosting from a custom initial model")
    loss = getattr(estimator, "loss", "")
    if kind == "GradientBoostingClassifier" and loss != "log_loss":
        raise NotConvertible(f"boosting with the {loss} loss")
    stages = estimator.estimators_  # [n_stages, K] regression trees
    width = stages.shape[1]
    probe = np.zeros((1, estimator.n_features_in_), dtype=np.float32)
    base = estimator._raw_predict_init(probe)[0]  # the init model's raw score per class
    if kind == "GradientBoostingRegressor":
        post = "variable"
    else:
        post = "sigmoid" if width == 1 else "softmax"
    trees = Trees(width, base, post)
    if width > 1:
        trees.stacked = stages.shape
    for stage in stages:
        for member in stage:  # in class order within each stage
            trees.add(member.tree_, member.tree_.value[:, 0, :1] * estimator.learning_rate)
    return trees


DENSE = {
    "LogisticRegression",
    "Ridge",
    "LinearRegression",
    "MLPClassifier",
    "MLPRegressor",
}
ACTIVATIONS = {"relu": "Relu", "tanh": "Tanh", "logistic": "Sigmoid", "identity": "Identity"}


class Graph:
    """The nodes and constants of the model being written."""

    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def constant(self, name, array):
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, kind, inputs, output, **attributes):
        from onnx import helper

        self.nodes.append(helper.make_node(kind, inputs, [output], **attributes))
        return output

    def transform(self, transformer, features, n_features):
        kind = type(transformer).__name__
        if kind == "SimpleImputer":
            if transformer.add_indicator or not (
                isinstance(transformer.missing_values, float)
                and np.isnan(transformer.missing_values)
            ):
                raise NotConvertible("an imputer that adds indicators or fills other values")
            fill = np.asarray(transformer.statistics_, dtype=np.float32)
            if fill.shape != (n_features,):
                raise NotConvertible("the imputer dropped columns")
            missing = self.op("IsNaN", [features], "missing")
            return self.op("Where", [missing, self.constant("fill", fill), features], "filled")
        if kind == "StandardScaler":
            mean = np.asarray(transformer.mean_ if transformer.with_mean else 0.0, np.float32)
            scale = np.asarray(transformer.scale_ if transformer.with_std else 1.0, np.float32)
            centred = self.op("Sub", [features, self.constant("mean", mean)], "centred")
            return self.op("Div", [centred, self.constant("scale", scale)], "scaled")
        raise NotConvertible(f"a {kind} step before the model")

    def trees(self, trees, features):
        """(raw scores [batch, width], how to finish them, width) by tree traversal."""
        from onnx import TensorProto, helper

        op, constant = self.op, self.constant
        feature = constant("node_feature", np.concatenate(trees.feature))
        threshold = constant("node_threshold", np.concatenate(trees.threshold))
        left = constant("node_left", np.concatenate(trees.left))
        right = constant("node_right", np.concatenate(trees.right))
        value = constant("node_value", np.concatenate(trees.value))
        # Every row starts at every tree's root: [batch, trees].
        rows = op("Shape", [features], "shape")
        batch = op("Slice", [rows, constant("zero", [0]), constant("one", [1])], "batch")
        grid = op("Concat", [batch, constant("trees", [len(trees.roots)])], "grid", axis=0)
        start = op(
            "ConstantOfShape",
            [grid],
            "start",
            value=helper.make_tensor("zero_index", TensorProto.INT64, [1], [0]),
        )
        at = op("Add", [start, constant("roots", np.asarray([trees.roots], np.int64))], "at_0")
        for level in range(trees.depth):
            step = f"_{level}"
            which = op("Gather", [feature, at], "feature" + step)
            x = op("GatherElements", [features, which], "x" + step, axis=1)
            limit = op("Gather", [threshold, at], "threshold" + step)
            goes_left = op("LessOrEqual", [x, limit], "left" + step)
            to_left = op("Gather", [left, at], "to_left" + step)
            to_right = op("Gather", [right, at], "to_right" + step)
            at = op("Where", [goes_left, to_left, to_right], f"at_{level + 1}")
        leaves = op("Gather", [value, at], "leaves")  # [batch, trees, width]
        if trees.stacked is not None:  # [batch, stages × classes, 1] → [batch, stages, classes]
            shape = constant("stacked", np.asarray([0, *trees.stacked], np.int64))
            leaves = op("Reshape", [leaves, shape], "by_stage")
        summed = op("ReduceSum", [leaves, constant("tree_axis", [1])], "summed", keepdims=0)
        if trees.scale is not None:
            share = constant("vote_share", np.float32(trees.scale))
            summed = op("Mul", [summed, share], "averaged")
        raw = op("Add", [summed, constant("base", trees.base)], "raw")
        return raw, trees.post, trees.width

    def finish(self, raw, post, width, estimator):
        from onnx import TensorProto, helper

        op, constant = self.op, self.constant
        if post == "variable":
            variable = op("Identity", [raw], "variable")
            return [helper.make_tensor_value_info(variable, TensorProto.FLOAT, [None, 1])]
        if post == "sigmoid":
            positive = op("Sigmoid", [raw], "positive")
            negative = op("Sub", [constant("ones", np.ones(1, np.float32)), positive], "negative")
            probabilities = op("Concat", [negative, positive], "probabilities", axis=1)
            width = 2
        elif post == "softmax":
            probabilities = op("Softmax", [raw], "probabilities", axis=1)
        else:
            probabilities = op("Identity", [raw], "probabilities")
        index = op("ArgMax", [probabilities], "index", axis=1, keepdims=0)
        classes = np.asarray(estimator.classes_)
        if not np.issubdtype(classes.dtype, np.integer):
            raise NotConvertible("class labels that are not whole numbers")
        if np.array_equal(classes, np.arange(len(classes))):
            label = op("Identity", [index], "label")
        else:
            label = op("Gather", [constant("classes", classes.astype(np.int64)), index], "label")
        return [
            helper.make_tensor_value_info(label, TensorProto.INT64, [None]),
            helper.make_tensor_value_info(probabilities, TensorProto.FLOAT, [None, width]),
        ]

    def model(self, outputs, n_features):
        from onnx import TensorProto, helper

        graph = helper.make_graph(
            self.nodes,
            "npu-ready",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, n_features])],
            outputs,
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", NPU_OPSET)])
        model.ir_version = 8
        helper.set_model_props(
            model,
            {"onestop.form": "npu-ready", "onestop.batch_sizes": ",".join(map(str, BATCH_SIZES))},
        )
        return model


def dense_layers(graph, estimator, features):
    """(raw scores, how to finish them, width) of a linear model or a multi-layer perceptron."""
    kind = type(estimator).__name__
    if kind.startswith("MLP"):
        layers = list(zip(estimator.coefs_, estimator.intercepts_, strict=True))
        hidden = ACTIVATIONS.get(estimator.activation)
        if hidden is None:
            raise NotConvertible(f"the {estimator.activation} activation")
        out = estimator.out_activation_
        if out == "logistic" and layers[-1][1].shape[0] > 1:
            raise NotConvertible("a network with several yes/no outputs")
    else:
        coef = np.atleast_2d(estimator.coef_)
        layers = [(coef.T, np.atleast_1d(estimator.intercept_))]
        hidden, out = None, "identity"
        if kind == "LogisticRegression":
            one_vs_rest = getattr(estimator, "multi_class", "auto") == "ovr" or (
                estimator.solver == "liblinear"
            )
            if coef.shape[0] > 1 and one_vs_rest:
                raise NotConvertible("one-vs-rest logistic regression")
            if coef.shape[0] == 1 and getattr(estimator, "multi_class", "auto") == "multinomial":
                raise NotConvertible("a two-class multinomial logistic regression")
            out = "logistic" if coef.shape[0] == 1 else "softmax"
    value = features
    for number, (weights, bias) in enumerate(layers):
        product = graph.op(
            "MatMul",
            [value, graph.constant(f"w{number}", weights.astype(np.float32))],
            f"mm{number}",
        )
        value = graph.op(
            "Add", [product, graph.constant(f"b{number}", bias.astype(np.float32))], f"z{number}"
        )
        if number < len(layers) - 1:
            value = graph.op(hidden, [value], f"a{number}")
    width = layers[-1][1].shape[0]
    if kind.endswith("Regressor") or kind in ("Ridge", "LinearRegression"):
        if width != 1:
            raise NotConvertible("a regressor with more than one output")
        return value, "variable", 1
    post = {"logistic": "sigmoid", "softmax": "softmax"}.get(out)
    if post is None:
        raise NotConvertible(f"a {out} output")
    return value, post, width
