"""A training job's run on a provider's Ray cluster: the entrypoint of the Ray job OneStop
submits (``python -m deployment.compute.trainer``), on a node where OneStop is installed.

It talks to OneStop only, over HTTP, with the run's token (``run_client``): it fetches what to
train, the rows and the last checkpoint, runs the same ``train_job`` a local pool runs, sends
each checkpoint as it is written, asks every few seconds whether to stop, and at the end sends
the two models and the result.

Its memory is capped at the job's budget (``RLIMIT_AS``); its time is OneStop's to end: a run
past its budget or asked to stop is told so, and stopped by its cluster after the grace
period."""

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

    from diagnosis.datacheck.errors import StudyError, UnreadableFile
    from diagnosis.datacheck.train import train_job

    translation.activate(spec["language"])
    with tempfile.TemporaryDirectory(prefix="onestop-training-") as work:
        work = Path(work)
        rows, checkpoint = work / "normalised.parquet", work / "checkpoint.pkl"
        onestop.download("data", rows)
        onestop.download("checkpoint", checkpoint)
        stop = StopFlag(onestop)

        def progress(percent, message, step=None, steps=None, metrics=None):
            if step is not None:
                stop.note(onestop.upload(f"checkpoint?step={step}", checkpoint))
            report = {"percent": int(percent), "message": str(message), "metrics": metrics}
            stop.note(onestop.json("POST", "progress", report))

        try:
            outcome = train_job(
                normalised=str(rows),
                profile=spec["profile"],
                target=spec["target"],
                exclude=spec["exclude"],
                family=spec["family"],
                max_rows=spec["max_rows"],
                checkpoint=str(checkpoint),
                stop_file=str(work / "stop"),
                model_out=str(work / "model.onnx"),
                npu_model_out=str(work / "model-npu.onnx"),
                progress=progress,
                stop_grace_seconds=spec["stop_grace_seconds"],
                steps=spec["steps"],
                should_stop=stop.event.is_set,
            )
        except (UnreadableFile, StudyError) as exc:
            onestop.json("POST", "result", {"refused": str(exc)})
            return 0
        if outcome.get("stopped"):
            onestop.json("POST", "result", {"stopped": outcome["step"]})
            return 0
        onestop.upload("models/cpu", work / "model.onnx")
        if outcome["model"].get("npu_sha256"):
            onestop.upload("models/npu", work / "model-npu.onnx")
        onestop.json("POST", "result", {"result": outcome})
    return 0


if __name__ == "__main__":
    sys.exit(main())
