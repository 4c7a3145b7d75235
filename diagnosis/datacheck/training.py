"""Training in steps, with a checkpoint after each one: what a training job runs, so that a job
whose units are taken back stops between two steps and later resumes from its last checkpoint,
never from zero.

Each step grows the model where it stands (scikit-learn's ``warm_start``): a forest gets more
trees, gradient boosting more stages, a neural network more passes over the data. Resuming
from a checkpoint therefore gives the model an uninterrupted run would have given: the forest
draws the same random states for its new trees, boosting continues its own random generator,
which the checkpoint holds.

A checkpoint is the fitted pipeline and the step it reached, pickled. Only OneStop's own jobs
write these files, under the company's folder; a checkpoint is never taken from a user."""

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

STEPS = 10


@dataclass
class Trained:
    model: object
    step: int  # the last step finished
    steps: int
    resumed_from: int  # 0 when the run started from scratch

    @property
    def finished(self):
        return self.step >= self.steps


def grow(model, step, steps):
    """Set the final estimator to what ``step`` of ``steps`` trains (1-based)."""
    estimator = model[-1] if hasattr(model, "steps") else model
    kind = type(estimator).__name__
    if not hasattr(estimator, "_onestop_total"):
        total = estimator.max_iter if kind.startswith("MLP") else estimator.n_estimators
        estimator._onestop_total = total
        estimator.set_params(warm_start=True)
        if kind.startswith("MLP"):
            estimator.set_params(early_stopping=False)  # a pass's worth of data each step
    share = max(1, round(estimator._onestop_total * step / steps))
    if kind.startswith("MLP"):
        estimator.set_params(max_iter=max(1, round(estimator._onestop_total / steps)))
    else:
        estimator.set_params(n_estimators=share)


def fit_in_steps(model, X, y, *, checkpoint, steps=STEPS, should_stop=None, progress=None):
    """Train ``model`` (a pipeline) on X, y in ``steps`` steps, writing ``checkpoint`` after
    each; resume from it when it exists. Stops after the step during which ``should_stop()``
    turned true. Returns ``Trained``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    checkpoint = Path(checkpoint)
    start = 0
    if checkpoint.exists():
        with checkpoint.open("rb") as handle:
            saved = pickle.load(handle)  # noqa: S301 - written by this module only
        model, start = saved["model"], saved["step"]
    step = start
    while step < steps:
        step += 1
        grow(model, step, steps)
        with warnings.catch_warnings():
            # A step's passes are few on purpose: the network converges over the steps.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        save(checkpoint, model, step)
        if progress is not None:
            progress(step, steps)
        if should_stop is not None and should_stop() and step < steps:
            break
    return Trained(model=model, step=step, steps=steps, resumed_from=start)


def save(checkpoint, model, step):
    """Write the checkpoint whole or not at all: a job killed mid-write leaves the last one."""
    part = checkpoint.with_name(checkpoint.name + ".part")
    with part.open("wb") as handle:
        pickle.dump({"model": model, "step": step}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, checkpoint)
