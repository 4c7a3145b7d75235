"""The sandboxed half of ONNX validation: parse, refuse what is unsafe, check, load, run once
on generated inputs, time it. Runs as a script in its own process under resource limits
(see sandbox.py); imports nothing from the project but `rules.py`, and never Django.

Prints one JSON object on stdout: {"accepted": bool, "reason": str, ...}."""

import hashlib
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rules

LATENCY_RUNS = {1: 20, 32: 5}
LATENCY_BUDGET_SECONDS = 10


class Rejected(Exception):
    pass


def block_network():
    """Belt and braces: the sandbox also starts the process without a network where it can."""

    def refuse(*args, **kwargs):
        raise OSError("network access is disabled while validating a model")

    socket.socket = refuse  # type: ignore[assignment]
    socket.create_connection = refuse  # type: ignore[assignment]


def sniff(data):
    if not data:
        raise Rejected("the file is empty")
    if data[0] == 0x80 and len(data) > 1 and 2 <= data[1] <= 5:
        raise Rejected("this is a Python pickle, not an ONNX model; pickles are never opened")
    if data.startswith(b"PK\x03\x04"):
        raise Rejected(
            "this is a zip archive (a PyTorch checkpoint or a compressed folder), not an ONNX "
            "model; export a single self-contained .onnx file"
        )
    if data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf")):
        raise Rejected("this is a compressed archive, not an ONNX model")
    if data.lstrip().startswith((b"{", b"<", b"#")):
        raise Rejected("this is a text file, not an ONNX model")
    if data.startswith(b"\x89HDF"):
        raise Rejected("this is an HDF5 file (a Keras model?), not an ONNX model")


def parse(data):
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise Rejected(
            f"the file is not a complete ONNX model (it may be truncated): {short(exc)}"
        ) from None
    if model.ir_version <= 0 or not model.graph.node:
        raise Rejected("the file parses, but holds no ONNX graph")
    return model


def graphs(graph):
    """The graph and every subgraph inside it (If, Loop, Scan bodies), empty ones included."""
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.HasField("g"):
                yield from graphs(attribute.g)
            for sub in attribute.graphs:
                yield from graphs(sub)


def every_tensor(model):
    """(tensor, node) for every TensorProto anywhere in the model: initializers, sparse
    initializers' values and indices, Constant values, attribute tensors and tensor lists, in
    the main graph, every subgraph (empty ones too), function bodies and training graphs.

    Found by walking the protobuf itself rather than a list of known places, so a tensor kind
    or a nesting added to ONNX later is walked too. ``node`` is the innermost node holding the
    tensor (None for the main graph's own initializers), to say where it is."""
    from google.protobuf.message import Message

    stack = [(model, None)]
    while stack:
        message, node = stack.pop()
        kind = message.DESCRIPTOR.full_name
        if kind == "onnx.TensorProto":
            yield message, node
            continue  # a tensor's own fields (segments, external-data entries) hold no tensor
        if kind == "onnx.NodeProto":
            node = message
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            if isinstance(value, Message):
                stack.append((value, node))
            else:
                stack.extend((item, node) for item in value)


def refuse_external_data(model):
    import onnx

    for tensor, node in every_tensor(model):
        if tensor.data_location == onnx.TensorProto.EXTERNAL or len(tensor.external_data):
            where = next((e.value for e in tensor.external_data if e.key == "location"), "")
            inside = f" in node '{clip(node.name or node.op_type)}'" if node is not None else ""
            raise Rejected(
                f"tensor '{clip(tensor.name)}'{inside} keeps its data outside the file "
                f"(at '{clip(where)}'); only self-contained models are accepted"
            )


def check_tensor_names(signature):
    """Input and output names reach copy-paste snippets (shell, Python) and web pages: refuse
    the ones that could break out of a quoted string there, or that no exporter writes."""
    for role in ("inputs", "outputs"):
        for arg in signature[role]:
            problem = rules.tensor_name_problem(arg["name"])
            if problem is not None:
                raise Rejected(
                    f"the {role[:-1]} name {clip(repr(arg['name']))} {problem}; names may hold "
                    f"letters, digits and {' '.join(rules.TENSOR_NAME_PUNCTUATION)}"
                )


def check_domains(model):
    opsets = {o.domain or "": o.version for o in model.opset_import}
    for domain in opsets:
        if domain not in rules.ALLOWED_DOMAINS:
            raise Rejected(
                f"operator domain '{clip(domain)}' is not allowed (only ai.onnx and ai.onnx.ml)"
            )
    if model.functions:
        raise Rejected("the model defines its own functions; only standard operators are accepted")
    default = opsets.get("", opsets.get("ai.onnx"))
    if default is None:
        raise Rejected("the model does not say which ONNX opset it uses")
    import onnx.defs

    newest = onnx.defs.onnx_opset_version()
    if not rules.MIN_OPSET <= default <= newest:
        raise Rejected(f"opset {default} is outside the supported range {rules.MIN_OPSET}–{newest}")
    uses_ml = False
    for graph in graphs(model.graph):
        for node in graph.node:
            if (node.domain or "") not in rules.ALLOWED_DOMAINS:
                op, domain = clip(node.op_type), clip(node.domain)
                raise Rejected(f"operator '{op}' of domain '{domain}' is not allowed")
            uses_ml = uses_ml or node.domain == rules.ML_DOMAIN
    return opsets, default, uses_ml


def run_checker(model):
    import onnx

    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise Rejected(f"the ONNX checker refused the model: {short(exc)}") from None


def session_for(data):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise Rejected(f"ONNX Runtime could not load the model: {short(exc)}") from None


NUMPY_TYPES = {
    "tensor(float)": "float32",
    "tensor(double)": "float64",
    "tensor(float16)": "float16",
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(int8)": "int8",
    "tensor(uint8)": "uint8",
    "tensor(bool)": "bool",
    "tensor(string)": "str",
}


def signature(session):
    def describe(arg):
        return {
            "name": arg.name,
            "type": arg.type,
            "shape": [d if isinstance(d, int) else None for d in arg.shape],
        }

    return {
        "inputs": [describe(i) for i in session.get_inputs()],
        "outputs": [describe(o) for o in session.get_outputs()],
    }


def generated_inputs(session, batch):
    import numpy as np

    rng = np.random.default_rng(0)
    feeds = {}
    for arg in session.get_inputs():
        kind = NUMPY_TYPES.get(arg.type)
        if kind is None:
            raise Rejected(
                f"input '{clip(arg.name)}' has type {arg.type}, which OneStop cannot feed"
            )
        shape = [
            d if isinstance(d, int) and d > 0 else (batch if i == 0 else 1)
            for i, d in enumerate(arg.shape)
        ]
        if kind == "str":
            feeds[arg.name] = np.full(shape, "a", dtype=object)
        elif kind == "bool":
            feeds[arg.name] = rng.random(shape) > 0.5
        elif kind.startswith(("int", "uint")):
            feeds[arg.name] = rng.integers(0, 2, size=shape).astype(kind)
        else:
            feeds[arg.name] = rng.standard_normal(shape).astype(kind)
    return feeds


def smoke_and_time(session):
    try:
        session.run(None, generated_inputs(session, 1))
    except Rejected:
        raise
    except MemoryError:
        raise Rejected("a test run needed more memory than validation allows") from None
    except Exception as exc:
        if "allocate" in str(exc).lower() or "bad_alloc" in str(exc):
            raise Rejected(
                "a test run needed more memory than validation allows; the model would do the "
                "same on an endpoint"
            ) from None
        raise Rejected(f"a test run on generated inputs failed: {short(exc)}") from None
    batch_dim_free = all(
        not isinstance(i.shape[0], int) if i.shape else False for i in session.get_inputs()
    )
    latency = {}
    for batch, runs in LATENCY_RUNS.items():
        if batch > 1 and not batch_dim_free:
            continue
        feeds = generated_inputs(session, batch)
        session.run(None, feeds)
        times, started = [], time.perf_counter()
        for _ in range(runs):
            t = time.perf_counter()
            session.run(None, feeds)
            times.append((time.perf_counter() - t) * 1000)
            if time.perf_counter() - started > LATENCY_BUDGET_SECONDS:
                break
        times.sort()
        latency[f"batch_{batch}"] = round(times[len(times) // 2], 4)
    return latency, batch_dim_free


def probe(path):
    if os.path.getsize(path) > rules.MAX_PROTOBUF_BYTES:
        raise Rejected("the file is larger than the 2 GB an ONNX protobuf can hold")
    with open(path, "rb") as f:
        data = f.read()
    report = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    sniff(data)
    model = parse(data)
    refuse_external_data(model)
    opsets, default_opset, uses_ml = check_domains(model)
    run_checker(model)
    report.update(ir_version=model.ir_version, opsets=opsets, producer=clip(model.producer_name))
    del model
    session = session_for(data)
    report["signature"] = signature(session)
    check_tensor_names(report["signature"])
    latency, batch_dim_free = smoke_and_time(session)
    static_except_batch = all(
        all(isinstance(d, int) for d in i.shape[1:]) for i in session.get_inputs()
    )
    report["latency_ms"] = latency
    report["flavors"] = [
        {"flavor": flavor, "fits": fits, "why": why}
        for flavor in rules.FLAVOR_RULES
        for fits, why in [
            rules.flavor_fit(
                flavor,
                default_opset=default_opset,
                uses_ml_ops=uses_ml,
                static_except_batch=static_except_batch,
            )
        ]
    ]
    report["dynamic_batch"] = batch_dim_free
    return report


def clip(text, limit=120):
    text = str(text).replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def short(exc):
    return clip(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, 300)


def main(path):
    block_network()
    try:
        report = {"accepted": True, "reason": "", **probe(path)}
    except Rejected as exc:
        report = {"accepted": False, "reason": str(exc)}
    except MemoryError:
        report = {"accepted": False, "reason": "validation needed more memory than it is allowed"}
    sys.stdout.write(json.dumps(report))
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1])
