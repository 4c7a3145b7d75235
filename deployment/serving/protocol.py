"""The Open Inference Protocol's request and response bodies (KServe V2, docs/serving.md), with
the binary tensor data extension. Every check happens against the model's signature before
ONNX Runtime sees anything; a failed check is a ProtocolError, answered 400."""

import json
import math
import struct

import numpy as np

BINARY_HEADER = "Inference-Header-Content-Length"
DATATYPES = {
    "BOOL": np.bool_,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
    "FP16": np.float16,
    "FP32": np.float32,
    "FP64": np.float64,
    "BYTES": np.object_,
}
ONNX_TO_V2 = {
    "tensor(bool)": "BOOL",
    "tensor(int8)": "INT8",
    "tensor(int16)": "INT16",
    "tensor(int32)": "INT32",
    "tensor(int64)": "INT64",
    "tensor(uint8)": "UINT8",
    "tensor(uint16)": "UINT16",
    "tensor(uint32)": "UINT32",
    "tensor(uint64)": "UINT64",
    "tensor(float16)": "FP16",
    "tensor(float)": "FP32",
    "tensor(double)": "FP64",
    "tensor(string)": "BYTES",
}


# No request body holds this many values along one axis; a larger dimension can only come with
# a zero elsewhere, and numpy and ONNX Runtime cannot describe it (a 400, not a crash).
MAX_DIMENSION = 2**31 - 1
FLOATS = ("FP16", "FP32", "FP64")
# One encoder for every answer: json.dumps builds a new one per call when given separators.
COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


class ProtocolError(ValueError):
    pass


def tensor_metadata(arg):
    return {
        "name": arg.name,
        "datatype": ONNX_TO_V2.get(arg.type, arg.type),
        "shape": [d if isinstance(d, int) and d >= 0 else -1 for d in arg.shape],
    }


def read_request(body, header_length, inputs, outputs):
    """(request, feeds, requested outputs) of an inference request's body, checked against
    the model's signature (``inputs``, ``outputs``: ONNX Runtime's), or ``ProtocolError``."""
    request, tail = split_body(body, header_length)
    feeds = read_inputs(request, tail, inputs)
    wanted = requested_outputs(request, outputs)
    check_id(request)
    return request, feeds, wanted


def split_body(body, header_length):
    """(JSON header, binary tail). The body is binary exactly when the header says so."""
    if header_length is None:
        return parse_json(body), b""
    try:
        length = int(header_length)
    except ValueError:
        raise ProtocolError(f"{BINARY_HEADER} must be a whole number of bytes") from None
    if length < 0 or length > len(body):
        raise ProtocolError(f"{BINARY_HEADER} is {length}, but the body has {len(body)} bytes")
    return parse_json(body[:length]), body[length:]


def parse_json(raw):
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"the request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ProtocolError("the request body nests too deeply") from None
    if not isinstance(data, dict):
        raise ProtocolError("the request body must be a JSON object")
    return data


def read_inputs(request, tail, signature):
    """{input name: numpy array} for the model, checked against its signature."""
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ProtocolError("'inputs' must be a non-empty list")
    expected = {arg.name: arg for arg in signature}
    feeds, offset = {}, 0
    for i, tensor in enumerate(inputs):
        if not isinstance(tensor, dict):
            raise ProtocolError(f"inputs[{i}] must be an object")
        name = tensor.get("name")
        if not isinstance(name, str):
            raise ProtocolError(f"inputs[{i}]: 'name' must be a string")
        if name not in expected:
            raise ProtocolError(f"unknown input '{name}'; the model takes {sorted(expected)}")
        if name in feeds:
            raise ProtocolError(f"input '{name}' is given twice")
        shape = tensor.get("shape")
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIMENSION
            for d in shape
        ):
            raise ProtocolError(
                f"input '{name}': 'shape' must be a list of whole numbers from 0 to {MAX_DIMENSION}"
            )
        datatype = tensor.get("datatype")
        wanted = ONNX_TO_V2.get(expected[name].type)
        if datatype != wanted:
            shown = datatype if isinstance(datatype, str) else type(datatype).__name__
            raise ProtocolError(f"input '{name}' must be {wanted}, not {shown}")
        check_shape(name, shape, expected[name].shape)
        count = math.prod(shape)  # exact: numpy's product wraps past 64 bits
        size = parameters(tensor, f"input '{name}'").get("binary_data_size")
        if size is not None:
            if (
                not isinstance(size, int)
                or isinstance(size, bool)
                or size < 0
                or offset + size > len(tail)
            ):
                raise ProtocolError(f"input '{name}': binary_data_size {size} runs past the body")
            array = from_bytes(name, tail[offset : offset + size], datatype, count)
            offset += size
        else:
            array = from_json(name, tensor.get("data"), datatype, count)
        try:
            feeds[name] = array.reshape(shape)
        except ValueError:  # dimensions numpy cannot describe, around a zero
            raise ProtocolError(f"input '{name}': shape {shape} is too large") from None
    missing = sorted(set(expected) - set(feeds))
    if missing:
        raise ProtocolError(f"missing input(s): {missing}")
    return feeds


def parameters(item, where):
    """The item's 'parameters' object ({} when absent)."""
    found = item.get("parameters")
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise ProtocolError(f"{where}: 'parameters' must be an object")
    return found


def flag(found, key, default, where):
    value = found.get(key, default)
    if not isinstance(value, bool):
        raise ProtocolError(f"{where}: '{key}' must be true or false")
    return value


def check_id(request):
    request_id = request.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise ProtocolError("'id' must be a string")


def check_shape(name, shape, declared):
    if len(shape) != len(declared):
        raise ProtocolError(
            f"input '{name}' must have {len(declared)} dimensions, not {len(shape)}"
        )
    for actual, fixed in zip(shape, declared, strict=True):
        if isinstance(fixed, int) and fixed > 0 and actual != fixed:
            want = [d if isinstance(d, int) and d > 0 else -1 for d in declared]
            raise ProtocolError(f"input '{name}' has shape {shape}; the model takes {want}")


def from_json(name, data, datatype, count):
    if data is None:
        raise ProtocolError(f"input '{name}' has no 'data'")
    try:
        if datatype == "BYTES":
            array = np.array(flatten(data), dtype=np.object_)
        else:
            # Numbers only: numpy would read the string "1" as 1.0, an answer the caller never
            # asked for; strings, nulls, objects and ragged or over-deep nesting give a
            # non-numeric array or a ValueError here. A float beyond FP32 becomes inf, refused
            # below. Nested lists are read by numpy itself, much faster than flattened first.
            array = np.asarray(data)
            if array.dtype.kind not in "biuf":
                raise ValueError
            with np.errstate(over="ignore", invalid="ignore"):
                array = array.astype(DATATYPES[datatype], copy=False)
    except (TypeError, ValueError, OverflowError):
        raise ProtocolError(f"input '{name}': the data are not all {datatype} values") from None
    if array.size != count:
        raise ProtocolError(f"input '{name}' has {array.size} values; its shape needs {count}")
    check_finite(name, array, datatype)
    return array


def check_finite(name, array, datatype):
    """NaN and infinities are refused in JSON and binary alike: JSON cannot carry them, and a
    model fed one answers NaN, never an error, which a client would take for a prediction."""
    if datatype in FLOATS and not np.isfinite(array).all():
        raise ProtocolError(f"input '{name}' contains NaN or infinite values")


def flatten(data):
    """Flat or nested lists, row-major, as the protocol allows both."""
    if not isinstance(data, list):
        return [data]
    out = []
    stack = [iter(data)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, list):
                stack.append(iter(item))
                break
            if isinstance(item, bool | int | float | str):
                out.append(item)
            else:
                raise TypeError(item)
        else:
            stack.pop()
    return out


def from_bytes(name, raw, datatype, count):
    if datatype == "BYTES":
        items, position = [], 0
        while position < len(raw):
            if position + 4 > len(raw):
                raise ProtocolError(f"input '{name}': truncated BYTES element")
            (length,) = struct.unpack_from("<I", raw, position)
            position += 4
            items.append(raw[position : position + length])
            position += length
        array = np.array(items, dtype=np.object_)
    else:
        width = np.dtype(DATATYPES[datatype]).itemsize
        if len(raw) != count * width:
            need = count * width
            raise ProtocolError(
                f"input '{name}' has {len(raw)} bytes; {count} {datatype} need {need}"
            )
        array = np.frombuffer(raw, dtype=DATATYPES[datatype])
        check_finite(name, array, datatype)
    if array.size != count:
        raise ProtocolError(f"input '{name}' has {array.size} values; its shape needs {count}")
    return array


def requested_outputs(request, signature):
    """[(name, binary?)] in the order to return; all outputs when none are named."""
    names = [arg.name for arg in signature]
    default_binary = flag(parameters(request, "request"), "binary_data_output", False, "request")
    asked = request.get("outputs")
    if asked is None:
        return [(n, default_binary) for n in names]
    if not isinstance(asked, list):
        raise ProtocolError("'outputs' must be a list")
    chosen = []
    for i, item in enumerate(asked):
        if not isinstance(item, dict):
            raise ProtocolError(f"outputs[{i}] must be an object")
        asked_name = item.get("name")
        if not isinstance(asked_name, str):
            raise ProtocolError(f"outputs[{i}]: 'name' must be a string")
        if asked_name not in names:
            raise ProtocolError(f"unknown output '{asked_name}'; the model gives {names}")
        where = f"output '{asked_name}'"
        chosen.append(
            (asked_name, flag(parameters(item, where), "binary_data", default_binary, where))
        )
    return chosen


def response(model_name, version, request_id, results, outputs, signature):
    """(body bytes, header length or None) for the client."""
    types = {arg.name: ONNX_TO_V2.get(arg.type, "FP32") for arg in signature}
    tensors, tail = [], []
    for name, binary in outputs:
        array = np.asarray(results[name])
        entry = {"name": name, "datatype": types[name], "shape": list(array.shape)}
        if binary:
            raw = bytes_of(array, types[name])
            entry["parameters"] = {"binary_data_size": len(raw)}
            tail.append(raw)
        elif array.dtype.kind == "O":  # BYTES: strings go out as text
            entry["data"] = [
                v.decode() if isinstance(v, bytes) else v for v in array.ravel().tolist()
            ]
        else:
            entry["data"] = array.ravel().tolist()
        tensors.append(entry)
    body = {"model_name": model_name, "model_version": version, "outputs": tensors}
    if request_id is not None:
        body["id"] = request_id
    header = COMPACT_JSON.encode(body).encode()
    if not tail:
        return header, None
    return header + b"".join(tail), len(header)


def bytes_of(array, datatype):
    if datatype == "BYTES":
        parts = []
        for item in array.ravel():
            raw = item if isinstance(item, bytes) else str(item).encode()
            parts.append(struct.pack("<I", len(raw)) + raw)
        return b"".join(parts)
    return np.ascontiguousarray(array, dtype=DATATYPES[datatype]).tobytes()
