"""A training job's run: the data check's rows prepared as the feasibility study prepares them,
the chosen family cross-validated against guessing, then fitted in steps with a checkpoint after
each (``training.fit_in_steps``), exported in its CPU and NPU-ready forms and both checked on
held-out rows.

The same function runs in a limited child process on this server (a local pool) and in a Ray
job on a provider's cluster. Either way the run ends in one of two ways:

- finished: the result (scores, checks) and the two ONNX files;
- stopped: its units were taken back. Asked to stop, it finishes the step under way and
  returns the step its checkpoint holds; a step that outlasts the grace period is cut short
  by ending the process, and the last checkpoint, written whole or not at all, still stands.

Cross-validated scores are kept beside the checkpoint, so a resumed run does not score the
folds again."""

import json
import os
import threading
import time
from pathlib import Path

from django.utils.translation import gettext as _

from diagnosis.datacheck.training import STEPS, fit_in_steps

# A run ended by its stop flag after the grace period exits with this status, no answer.
STOPPED_EXIT = 75
FIT_FROM, FIT_TO = 50, 80  # the share of the progress bar the steps fill


class Stopped(Exception):
    def __init__(self, step):
        super().__init__(step)
        self.step = step


def train_job(
    *,
    normalised,
    profile,
    target,
    exclude,
    family,
    max_rows,
    checkpoint,
    stop_file,
    model_out,
    npu_model_out,
    progress,
    stop_grace_seconds=60,
    steps=STEPS,
    should_stop=None,
):
    """Returns {"stopped": True, "step": n} or the study's result; the models are written to
    ``model_out`` and ``npu_model_out``. ``should_stop`` adds a way to be asked to stop (a
    cluster's run asks OneStop) to the stop flag file."""
    from diagnosis.datacheck.feasibility import run_study

    checkpoint, stop_file = Path(checkpoint), Path(stop_file)
    scores_path = checkpoint.with_name(checkpoint.name + ".scores.json")
    known = json.loads(scores_path.read_text()) if scores_path.exists() else {}

    def asked_to_stop():
        return stop_file.exists() or bool(should_stop and should_stop())

    watchdog = threading.Thread(
        target=cut_short_when_asked, args=(asked_to_stop, stop_grace_seconds), daemon=True
    )
    watchdog.start()

    def fit(model, X, y):
        if not scores_path.exists():
            write_atomically(scores_path, json.dumps(known).encode())
        progress(FIT_FROM, _("Training"), metrics=known)

        def on_step(step, total):
            progress(
                FIT_FROM + (FIT_TO - FIT_FROM) * step // total,
                _("Training: step %(step)s of %(steps)s done") % {"step": step, "steps": total},
                step=step,
                steps=total,
            )

        trained = fit_in_steps(
            model, X, y, checkpoint=checkpoint, steps=steps, should_stop=asked_to_stop,
            progress=on_step,
        )  # fmt: skip
        if not trained.finished:
            raise Stopped(trained.step)
        return trained.model

    try:
        result, onnx_bytes = run_study(
            normalised,
            profile,
            target=target,
            exclude=set(exclude),
            max_rows=max_rows,
            progress=progress,
            model_family=family,
            npu_model_out=npu_model_out,
            fit=fit,
            known=known,
        )
    except Stopped as stopped:
        return {"stopped": True, "step": stopped.step}
    Path(model_out).write_bytes(onnx_bytes)
    return result


def cut_short_when_asked(asked_to_stop, grace_seconds, poll_seconds=0.5):
    """Once asked to stop, give the step under way ``grace_seconds`` to end, then end the
    process: the units are someone else's now."""
    while not asked_to_stop():
        time.sleep(poll_seconds)
    time.sleep(grace_seconds)
    os._exit(STOPPED_EXIT)


def write_atomically(path, data):
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    os.replace(part, path)
