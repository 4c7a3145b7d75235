"""A training job's run on a provider's Ray cluster: the entrypoint of the Ray job OneStop
submits (``python -m deployment.compute.trainer``), on a node where OneStop is installed.

It talks to OneStop only, over HTTP, with the run's token (``ONESTOP_TRAINING_URL`` and
``ONESTOP_TRAINING_TOKEN`` in its environment): it fetches what to train, the rows and the last
checkpoint, runs the same ``train_job`` a local pool runs, sends each checkpoint as it is
written, asks every few seconds whether to stop, and at the end sends the two models and the
result. It never needs OneStop's database, broker or secret key; Django is set up for its
translations only, as in the data jobs' child process.

Its memory is capped at the job's budget (``RLIMIT_AS``); its time is OneStop's to end: a run
past its budget or asked to stop is told so, and stopped by its cluster after the grace
period."""

import json
import os
import resource
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

POLL_SECONDS = 2
TIMEOUT_SECONDS = 60
CHUNK = 1024 * 1024


class OneStop:
    def __init__(self, base, token):
        self.base, self.token = base.rstrip("/") + "/", token

    def call(self, method, path, body=None, content_type="application/json"):
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 - OneStop's own address
        request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", content_type)
        return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310

    def json(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload, default=str).encode()
        try:
            with self.call(method, path, body) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return {"stop": True, "ended": True}  # the run is over for OneStop
            raise

    def download(self, path, target):
        """False when OneStop has no such file (no checkpoint yet)."""
        try:
            with self.call("GET", path) as answer, open(target, "wb") as out:
                while chunk := answer.read(CHUNK):
                    out.write(chunk)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise
        return True

    def upload(self, path, source):
        with self.call("PUT", path, Path(source).read_bytes(), "application/octet-stream") as a:
            return json.loads(a.read() or b"{}")


class StopFlag:
    """Set once OneStop answers that the run should stop; a thread asks every few seconds."""

    def __init__(self, onestop):
        self.onestop, self.event = onestop, threading.Event()
        threading.Thread(target=self.poll, daemon=True).start()

    def poll(self):
        while not self.event.is_set():
            try:
                if self.onestop.json("GET", "progress").get("stop"):
                    self.event.set()
            except (OSError, ValueError):
                pass  # OneStop away a moment: keep training, ask again
            time.sleep(POLL_SECONDS)

    def note(self, answer):
        if answer.get("stop"):
            self.event.set()


def set_up_django():
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()


def main():
    onestop = OneStop(os.environ["ONESTOP_TRAINING_URL"], os.environ["ONESTOP_TRAINING_TOKEN"])
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
