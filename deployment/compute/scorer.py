"""A batch scoring job's run on a provider's Ray cluster: the entrypoint of the Ray job OneStop
submits (``python -m deployment.compute.scorer``), asking Ray for the job's unit of the pool's
resource (``RBLN``, ``FURIOSA``, GPU or CPU), on a node where OneStop is installed.

It talks to OneStop only, over HTTP, with the run's token (``run_client``): it fetches the
rows (as OneStop read them), the model and which chunks are already scored, runs the same
``score_job`` a local pool runs, sends each chunk of answers as soon as it is written, asks
every few seconds whether to stop, and says when it is done. Its memory is capped at the data
jobs' budget (``RLIMIT_AS``)."""

import resource
import sys
import tempfile
from pathlib import Path

from deployment.compute.run_client import StopFlag, from_environment, set_up_django


def main():
    onestop = from_environment()
    spec = onestop.json("GET", "spec")
    if spec.get("ended"):
        return 0
    memory = int(spec["memory_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    set_up_django()
    from django.utils import translation

    from deployment.scoring.chunks import HEADER, chunk_path, score_job

    translation.activate(spec["language"])
    with tempfile.TemporaryDirectory(prefix="onestop-scoring-") as work:
        work = Path(work)
        rows, model, chunks = work / "rows.parquet", work / "model.onnx", work / "chunks"
        onestop.download("data", rows)
        onestop.download("model", model)
        chunks.mkdir()
        for index in spec["done"]:  # scored by an earlier run: kept by OneStop, skipped here
            chunk_path(chunks, index).touch()
        sent = {"header": spec["header"]}
        stop = StopFlag(onestop)

        def progress(percent, message, step=None, steps=None, **_extra):
            if step is not None:
                if not sent["header"]:
                    onestop.upload("chunks/header", chunks / HEADER)
                    sent["header"] = True
                stop.note(onestop.upload(f"chunks/{step - 1}", chunk_path(chunks, step - 1)))
            report = {"percent": int(percent), "message": str(message), "step": step}
            stop.note(onestop.json("POST", "progress", {**report, "steps": steps}))

        outcome = score_job(
            normalised=str(rows),
            model=str(model),
            inputs=spec["inputs"],
            chunks=str(chunks),
            stop_file=str(work / "stop"),
            progress=progress,
            chunk_rows=spec["chunk_rows"],
            stop_grace_seconds=spec["stop_grace_seconds"],
            should_stop=stop.event.is_set,
        )
        if outcome.get("stopped"):
            onestop.json("POST", "result", {"stopped": outcome["step"]})
        else:
            onestop.json("POST", "result", {"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
