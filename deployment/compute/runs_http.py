"""What every run of a preemptible job on a cluster has in common when it calls OneStop: its
token (for the current run of one job only), files sent whole or not at all under a size
limit, and answers in the shape {"error": "..."} a provider's operator reads in the logs."""

import hashlib
import json
import os

from django.http import FileResponse, JsonResponse

from deployment.compute.tokens import claimed_run, run_token_opens

CHUNK = 1024 * 1024
MAX_MESSAGE_BYTES = 1024 * 1024
REFUSED = "send the run's token (Authorization: Bearer …); a run that ended has none"


def failure(message, status):
    return JsonResponse({"error": message}, status=status)


def run_of(request, pk, model):
    """The ``model`` job whose current run the request's token opens, or None."""
    scheme, _sep, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip() if scheme.lower() == "bearer" else ""
    claimed = claimed_run(raw)
    if claimed is None or claimed[1] != pk:
        return None
    job = (
        model.objects.select_related("pool")
        .filter(pk=pk, state__in=model.ACTIVE, run_started_at__isnull=False)
        .exclude(pool__cluster_dashboard_url="")
        .first()
    )
    return job if job is not None and run_token_opens(raw, job) else None


def send_file(path):
    try:
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        return failure("not there", 404)
    return FileResponse(handle, content_type="application/octet-stream")


def receive(request, path, limit):
    """Write the request's body to ``path`` whole or not at all; False when over ``limit``."""
    part = path.with_name(path.name + ".part")
    written = 0
    with part.open("wb") as out:
        while chunk := request.read(CHUNK):
            written += len(chunk)
            if written > limit:
                break
            out.write(chunk)
    if written > limit:
        part.unlink(missing_ok=True)
        return False
    os.replace(part, path)
    return True


def parsed(request):
    """The request's JSON object; ValueError for anything else."""
    if len(request.body) > MAX_MESSAGE_BYTES:
        raise ValueError
    data = json.loads(request.body)
    if not isinstance(data, dict):
        raise ValueError
    return data


def file_sha256(path):
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
