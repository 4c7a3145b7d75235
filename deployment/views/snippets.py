"""Copy-paste snippets for calling an endpoint: curl with a JSON body, and Python with
tritonclient. They use the endpoint's real name, inputs and shapes and this site's host.

Input and output names come from a vendor's ONNX file. Validation refuses names with quotes or
control characters, but a snippet must be safe to paste whatever it holds: every value goes in
quoted for its language (shlex for the shell, a string literal for Python), and the page escapes
the HTML."""

import json
import math
import shlex

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from deployment.serving.protocol import DATATYPES, ONNX_TO_V2

KEY_PLACEHOLDER = "ep_…"


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


def numpy_type(datatype):
    """The numpy name of a protocol datatype, from the table the server reads requests with."""
    spelled = {"BOOL": "np.bool_", "BYTES": "np.object_"}  # the names every numpy release has
    return spelled.get(datatype) or f"np.{np.dtype(DATATYPES[datatype]).name}"


def values_per_request(tensors):
    return sum(math.prod(shape) for _name, _datatype, shape in tensors)


def py(text):
    """``text`` as a Python string literal. JSON's string syntax is a subset of Python's; names
    in any script stay readable, and anything unprintable is written as an escape."""
    text = str(text)
    return json.dumps(text, ensure_ascii=not text.isprintable())


def curl(base_url, endpoint, key, tensors):
    """The curl command. Past ``ONESTOP_SNIPPET_MAX_VALUES`` values (a model taking a
    100-million-value tensor) the example leaves "data" empty and says so, rather than
    writing out every zero."""
    total = values_per_request(tensors)
    write_values = total <= settings.ONESTOP_SNIPPET_MAX_VALUES
    body = {
        "inputs": [
            {
                "name": name,
                "shape": shape,
                "datatype": datatype,
                "data": [zero(datatype)] * math.prod(shape) if write_values else [],
            }
            for name, datatype, shape in tensors
        ]
    }
    note = ""
    if not write_values:
        # Only numbers in the shell comment: nothing from the model's file reaches it.
        note = "# " + too_many_values(total) + "\n"
    url = f"{base_url}/v2/models/{endpoint.name}/infer"
    return (
        f"{note}curl -X POST {shlex.quote(url)} \\\n"
        f"  -H {shlex.quote(f'Authorization: Bearer {key}')} \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(json_text(body))}"
    )


def json_text(body):
    """The JSON body, names in any script left readable unless something in it is unprintable
    (a stored name from before validation refused such names)."""
    text = json.dumps(body, ensure_ascii=False)
    return text if text.isprintable() else json.dumps(body)


def too_many_values(total):
    return _(
        "This model takes %(values)s values per request, too many to write out here: "
        'fill in "data" before you send it.'
    ) % {"values": f"{total:,}"}


def python(host, secure, endpoint, key, tensors, outputs):
    ssl = ", ssl=True" if secure else ""
    lines = [
        "import numpy as np",
        "import tritonclient.http as httpclient",
        "",
        f"client = httpclient.InferenceServerClient(url={py(host)}{ssl})",
    ]
    names = []
    for index, (name, datatype, shape) in enumerate(tensors):
        var = "x" if len(tensors) == 1 else f"x{index}"
        names.append(var)
        dims = [int(d) for d in shape]
        lines += [
            f"{var} = httpclient.InferInput({py(name)}, {dims}, {py(datatype)})",
            f"{var}.set_data_from_numpy(np.zeros({dims}, dtype={numpy_type(datatype)}))",
        ]
    headers = "{" + py("Authorization") + ": " + py(f"Bearer {key}") + "}"
    lines += [
        "result = client.infer(",
        f"    {py(endpoint.name)}, [{', '.join(names)}], headers={headers}",
        ")",
    ]
    lines += [f"print(result.as_numpy({py(name)}))" for name in outputs]
    return "\n".join(lines)


def snippets(request, endpoint, raw_key=None):
    """{"curl": text, "python": text, "values": n, ...} for ``endpoint`` as seen from this
    request's site; ``values_written`` says whether the curl example writes out its values."""
    key = raw_key or KEY_PLACEHOLDER
    signature = endpoint.version.signature or {}
    tensors = example_tensors(signature)
    outputs = [arg["name"] for arg in signature.get("outputs") or []]
    host = request.get_host()
    total = values_per_request(tensors)
    return {
        "curl": curl(f"{request.scheme}://{host}", endpoint, key, tensors),
        "python": python(host, request.is_secure(), endpoint, key, tensors, outputs),
        "values": total,
        "values_text": f"{total:,}",
        "values_written": total <= settings.ONESTOP_SNIPPET_MAX_VALUES,
    }
