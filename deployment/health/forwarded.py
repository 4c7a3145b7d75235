"""Health for endpoints whose replicas run on a pool's cluster. The gateway forwards those
requests unread (reading them there would cost every caller the parse the replica does anyway),
so it keeps the raw request and answer, and the metering thread reads them against the
version's signature when it flushes: the same inputs and answers the in-process path hands
``observe.record``, without the model."""

from dataclasses import dataclass
from functools import lru_cache

from deployment.serving import protocol


@dataclass(frozen=True)
class Arg:
    """An input or output as the signature stored at validation describes it: what
    ``protocol`` and ``observe`` read of ONNX Runtime's own (name, type, shape)."""

    name: str
    type: str
    shape: tuple


@dataclass(frozen=True)
class Signature:
    """What ``observe`` reads of a served model: its inputs and outputs."""

    inputs: tuple
    outputs: tuple


def signature_of(version):
    return _signature(version.pk, version.sha256)


@lru_cache(maxsize=256)
def _signature(version_id, _sha256):
    # Keyed on the artifact too: a version's signature never changes once published, and a
    # hash in the key keeps a reused id (tests, a restored database) from reading a stale one.
    from deployment.models import ModelVersion

    stored = ModelVersion.objects.values_list("signature", flat=True).get(pk=version_id) or {}
    return Signature(
        inputs=tuple(_args(stored.get("inputs"))), outputs=tuple(_args(stored.get("outputs")))
    )


def _args(items):
    for item in items or ():
        yield Arg(item["name"], item["type"], tuple(item.get("shape") or ()))


def read(signature, body, binary_header, payload, binary_length):
    """(feeds, output names, {output: array}, request id) of one forwarded request and its
    answer, or None when they cannot be read as the signature says (the replica answered, so
    the caller's request was sound; a changed signature during a roll is the likely cause)."""
    try:
        request, feeds, _wanted = protocol.read_request(
            body, binary_header, signature.inputs, signature.outputs
        )
        answer, tail = protocol.split_body(payload, binary_length)
        results = read_outputs(answer, tail, signature.outputs)
    except (protocol.ProtocolError, KeyError, TypeError, ValueError):
        return None
    request_id = request.get("id")
    return feeds, list(results), results, request_id if isinstance(request_id, str) else None


def read_outputs(answer, tail, outputs):
    """{output name: array} of a replica's answer, each checked against the signature."""
    known = {arg.name for arg in outputs}
    results, offset = {}, 0
    for tensor in answer.get("outputs") or ():
        name, datatype, shape = tensor["name"], tensor["datatype"], tensor["shape"]
        if name not in known or datatype not in protocol.DATATYPES:
            continue
        count = 1
        for dimension in shape:
            count *= int(dimension)
        size = (tensor.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            array = protocol.from_bytes(name, tail[offset : offset + size], datatype, count)
            offset += size
        else:
            array = protocol.from_json(name, tensor.get("data"), datatype, count)
        results[name] = array.reshape(shape)
    return results
