"""Copy-paste snippets for calling an endpoint: curl with a JSON body, and Python with
tritonclient. They use the endpoint's real name, inputs and shapes and this site's host."""

import json
import math

from deployment.serving.protocol import ONNX_TO_V2

KEY_PLACEHOLDER = "ep_…"
NUMPY_TYPES = {
    "BOOL": "np.bool_",
    "INT8": "np.int8",
    "INT16": "np.int16",
    "INT32": "np.int32",
    "INT64": "np.int64",
    "UINT8": "np.uint8",
    "FP16": "np.float16",
    "FP32": "np.float32",
    "FP64": "np.float64",
    "BYTES": "np.object_",
}


def example_tensors(signature):
    """(name, datatype, shape) per input, a dynamic dimension as 1 (one row)."""
    tensors = []
    for arg in (signature or {}).get("inputs") or []:
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in arg.get("shape") or []]
        tensors.append((arg["name"], ONNX_TO_V2.get(arg.get("type"), "FP32"), shape))
    return tensors


def zero(datatype):
    if datatype == "BOOL":
        return False
    if datatype == "BYTES":
        return ""
    return 0.0 if datatype.startswith("FP") else 0


def curl(base_url, endpoint, key, tensors):
    body = {
        "inputs": [
            {
                "name": name,
                "shape": shape,
                "datatype": datatype,
                "data": [zero(datatype)] * math.prod(shape),
            }
            for name, datatype, shape in tensors
        ]
    }
    return (
        f"curl -X POST {base_url}/v2/models/{endpoint.name}/infer \\\n"
        f'  -H "Authorization: Bearer {key}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d '{json.dumps(body, ensure_ascii=False)}'"
    )


def python(host, secure, endpoint, key, tensors, outputs):
    ssl = ", ssl=True" if secure else ""
    lines = [
        "import numpy as np",
        "import tritonclient.http as httpclient",
        "",
        f'client = httpclient.InferenceServerClient(url="{host}"{ssl})',
    ]
    names = []
    for index, (name, datatype, shape) in enumerate(tensors):
        var = "x" if len(tensors) == 1 else f"x{index}"
        names.append(var)
        lines += [
            f'{var} = httpclient.InferInput("{name}", {shape}, "{datatype}")',
            f"{var}.set_data_from_numpy(np.zeros({shape}, dtype={NUMPY_TYPES.get(datatype)}))",
        ]
    lines += [
        "result = client.infer(",
        f'    "{endpoint.name}", [{", ".join(names)}], headers={{"Authorization": "Bearer {key}"}}',
        ")",
    ]
    lines += [f'print(result.as_numpy("{name}"))' for name in outputs]
    return "\n".join(lines)


def snippets(request, endpoint, raw_key=None):
    """{"curl": text, "python": text} for ``endpoint`` as seen from this request's site."""
    key = raw_key or KEY_PLACEHOLDER
    signature = endpoint.version.signature or {}
    tensors = example_tensors(signature)
    outputs = [arg["name"] for arg in signature.get("outputs") or []]
    host = request.get_host()
    return {
        "curl": curl(f"{request.scheme}://{host}", endpoint, key, tensors),
        "python": python(host, request.is_secure(), endpoint, key, tensors, outputs),
    }
