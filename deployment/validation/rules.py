"""What OneStop accepts in an ONNX file, and what each accelerator flavor can take. Plain data,
shared by the sandboxed inspector (which must not import Django) and the catalog."""

ALLOWED_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")
ML_DOMAIN = "ai.onnx.ml"
MIN_OPSET = 7
MAX_PROTOBUF_BYTES = 2 * 1024**3  # protobuf's own ceiling for one message

# Input and output names: letters and digits of any script, and the punctuation exporters use
# ("input.1" from PyTorch, "serving_default_x:0" from TensorFlow, "onnx::Gemm_0", "a/b").
TENSOR_NAME_PUNCTUATION = "_.:/-[]@"
MAX_TENSOR_NAME_CHARS = 256

# Per flavor: what its compiler or runtime can take. NVIDIA runs anything ONNX Runtime runs
# (its CUDA provider falls back to the CPU for the rest). The domestic NPUs compile neural
# network graphs ahead of time: no classical-ML operators (tree ensembles, linear classifiers
# of the ai.onnx.ml domain); Furiosa's compiler takes opset 13 at most; Rebellions compiles for
# fixed shapes, so every dimension but the batch must be fixed.
FLAVOR_RULES = {
    "nvidia-h200": {"ml_ops": True, "max_opset": None, "static_shapes": False},
    "nvidia-a100": {"ml_ops": True, "max_opset": None, "static_shapes": False},
    "rbln-atom": {"ml_ops": False, "max_opset": None, "static_shapes": True},
    "furiosa-rngd": {"ml_ops": False, "max_opset": 13, "static_shapes": False},
    "cpu": {"ml_ops": True, "max_opset": None, "static_shapes": False},
}


def flavor_fit(flavor, *, default_opset, uses_ml_ops, static_except_batch):
    """(fits, reason) for one flavor."""
    rule = FLAVOR_RULES[flavor]
    if uses_ml_ops and not rule["ml_ops"]:
        return (
            False,
            "uses classical-ML operators (ai.onnx.ml) that this NPU compiler does not take",
        )
    if rule["max_opset"] is not None and default_opset > rule["max_opset"]:
        return False, f"opset {default_opset} is above the {rule['max_opset']} this compiler takes"
    if rule["static_shapes"] and not static_except_batch:
        return False, "has dynamic dimensions besides the batch; this compiler needs fixed shapes"
    return True, "ok"


def tensor_name_problem(name):
    """What is wrong with an input or output name, or None when it is fine."""
    if not isinstance(name, str) or not name:
        return "is empty"
    if len(name) > MAX_TENSOR_NAME_CHARS:
        return f"is longer than {MAX_TENSOR_NAME_CHARS} characters"
    for char in name:
        if char.isalnum() or char in TENSOR_NAME_PUNCTUATION:
            continue
        if not char.isprintable():
            return f"holds a control or invisible character (U+{ord(char):04X})"
        if char in "'\"`":
            return f"holds a quote ({char})"
        return f"holds the character {char!r} (U+{ord(char):04X})"
    return None
