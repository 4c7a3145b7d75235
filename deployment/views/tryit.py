"""“Try it” on the endpoint page: one row of numbers through the served model, from the
portal session (no endpoint key). The run and its metering are serving's own
(``handling.run_metered``), so it is batched, bounded and counted like any client request."""

import json
import math
import time
from dataclasses import dataclass

import numpy as np
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.models import Endpoint
from deployment.services.endpoints.queries import endpoints_not_deleted
from deployment.serving import handling
from deployment.serving.sessions import served
from deployment.views.try_reading import reading
from onestop.views.access import company_member_required

FLOAT32_MAX = float(np.finfo(np.float32).max)
# A form with more fields than this is no longer something a person fills in by hand.
MOST_FIELDS = 64
# The choice for a category value the model never learned (rare or missing): all columns 0.
OTHER = ""


@dataclass(frozen=True)
class Field:
    """One thing the person enters: a number at ``positions[0]``, or a choice among
    ``options`` for a category the model takes as one-hot columns at ``positions``."""

    label: str
    positions: tuple
    options: tuple = ()

    @property
    def is_choice(self):
        return bool(self.options)


@dataclass(frozen=True)
class RowInput:
    name: str  # the model's input
    labels: tuple  # one per number in the row
    fields: tuple = ()  # what the form asks, in order


def row_input(version):
    """The form "try it" shows when the model takes one row of numbers (a single 2-D float
    input [batch, N]); None for any other signature."""
    inputs = (version.signature or {}).get("inputs") or []
    if len(inputs) != 1:
        return None
    arg = inputs[0]
    shape = arg.get("shape") or []
    if arg.get("type") != "tensor(float)" or len(shape) != 2:
        return None
    batch, width = shape
    if batch not in (None, 1) or not isinstance(width, int) or not 1 <= width <= MOST_FIELDS:
        return None
    columns = version.input_columns or []
    if len(columns) == width and all(isinstance(c, dict) and c.get("name") for c in columns):
        labels = tuple(column_label(c) for c in columns)
        fields = form_fields(columns)
    else:
        labels = tuple(f"{arg['name']}[{i}]" for i in range(width))
        fields = tuple(Field(label=label, positions=(i,)) for i, label in enumerate(labels))
    return RowInput(name=arg["name"], labels=labels, fields=fields)


def form_fields(columns):
    """The fields for the model's columns: consecutive one-hot columns of one category
    (``Type = L``, ``Type = M``, ``Type = H``) become one choice, the rest numbers."""
    fields, index = [], 0
    while index < len(columns):
        column = columns[index]
        if column.get("value") in (None, ""):
            fields.append(Field(label=column_label(column), positions=(index,)))
            index += 1
            continue
        end = index
        while (
            end < len(columns)
            and columns[end].get("name") == column["name"]
            and (columns[end].get("value") not in (None, ""))
        ):
            end += 1
        fields.append(
            Field(
                label=str(column["name"]),
                positions=tuple(range(index, end)),
                options=tuple(str(columns[i]["value"]) for i in range(index, end)),
            )
        )
        index = end
    return tuple(fields)


def column_label(column):
    label = str(column["name"])
    if column.get("value") not in (None, ""):
        label += f" = {column['value']}"
    if column.get("unit"):
        label += f" ({column['unit']})"
    return label


def error(message, status=400):
    return JsonResponse({"error": message}, status=status)


def jsonable(value):
    """An output as JSON: arrays as nested lists, anything else (maps, sequences) as is."""
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no infinity or NaN; the page shows an empty value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def read_row(post, spec):
    """The numbers of the form, or a message naming the first field that is not right. A
    choice becomes its one-hot columns; a choice not offered is refused."""
    row = [0.0] * len(spec.labels)
    for field in spec.fields:
        first = field.positions[0]
        if field.is_choice:
            chosen = post.get(f"c{first}")
            if chosen == OTHER:  # a value the model did not learn: every column stays 0
                continue
            if chosen not in field.options:
                return _("%(field)s: choose one of %(options)s.") % {
                    "field": field.label,
                    "options": ", ".join(field.options),
                }
            row[field.positions[field.options.index(chosen)]] = 1.0
            continue
        raw = (post.get(f"x{first}") or "").strip()
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        # The model takes 32-bit floats: a larger number would reach it as infinity.
        if not math.isfinite(number) or abs(number) > FLOAT32_MAX:
            return _("%(field)s: enter a number, e.g. 0 or 12.5.") % {"field": field.label}
        row[first] = number
    return row


def tried_on_cluster(endpoint, spec, row, started):
    """The row sent to one of the endpoint's replicas as a client's request is, and metered."""
    body = {"inputs": [{"name": spec.name, "shape": [1, len(row)], "datatype": "FP32"}]}
    body["inputs"][0]["data"] = row
    reply = handling.forwarded(endpoint, json.dumps(body).encode(), None)
    latency_s = handling.count(endpoint, started, ok=reply.status < 400, compute_s=reply.compute_s)
    try:  # the replica runs on a provider's machine: its answer is read with care
        answer = json.loads(reply.payload)
        if reply.status != 200:
            return error(str(answer["error"]), reply.status)
        outputs = {
            str(output["name"]): jsonable(np.asarray(output["data"]).reshape(output["shape"]))
            for output in answer["outputs"]
        }
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return error(_("The model's answer could not be read. Try again shortly."), 502)
    return answered(endpoint, outputs, latency_s)


def answered(endpoint, outputs, latency_s):
    """The answer for the page: the outputs, a sentence that reads them, the time taken."""
    return JsonResponse(
        {
            "outputs": outputs,
            "reading": reading(outputs, endpoint.version.family.use_cases or ()),
            "latency_ms": round(latency_s * 1000, 2),
        }
    )


@company_member_required
@require_POST
def endpoint_try(request, pk):
    endpoint = get_object_or_404(
        endpoints_not_deleted(request.current.company).select_related("version__family"), pk=pk
    )
    if endpoint.state != Endpoint.State.READY:
        return error(
            _("The endpoint is %(state)s; try it once it is ready.")
            % {"state": endpoint.get_state_display()},
            409,
        )
    spec = row_input(endpoint.version)
    if spec is None:
        return error(_("“Try it” takes one row of numbers; this model takes other inputs."))
    row = read_row(request.POST, spec)
    if isinstance(row, str):
        return error(row)
    started = time.perf_counter()
    if endpoint.on_cluster:
        return tried_on_cluster(endpoint, spec, row, started)
    try:
        model = served(endpoint.version)
    except Exception:  # ONNX Runtime raises its own types; the deploy step reported the cause
        return error(_("The model could not be loaded on this server."), 503)
    feeds = {spec.name: np.array([row], dtype=np.float32)}
    results, latency_s = handling.run_metered(endpoint, model, feeds, started)
    if isinstance(results, str):  # a RunFailed: why, and the status it means
        return error(results, results.status)
    return answered(endpoint, {name: jsonable(value) for name, value in results.items()}, latency_s)
