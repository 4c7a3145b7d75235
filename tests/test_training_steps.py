"""Training in steps with checkpoints: a run stopped after a step resumes from its checkpoint,
not from zero, and ends with the model an uninterrupted run gives; a checkpoint is written
whole or not at all."""

from pathlib import Path

import numpy as np
import pytest

from diagnosis.datacheck.supervised import chosen_family
from diagnosis.datacheck.training import fit_in_steps

AI4I = Path(__file__).parent / "data" / "ai4i2020.csv"
TABLE = np.loadtxt(AI4I, delimiter=",", skiprows=1, usecols=(3, 4, 5, 6, 7, 8), max_rows=4000)
X, Y = TABLE[:, :5].astype(np.float32), TABLE[:, 5].astype(int)


@pytest.mark.parametrize("family", ["forest", "trees", "mlp"])
def test_a_stopped_run_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_one(
    tmp_path, family
):
    whole = fit_in_steps(
        chosen_family(family, "binary", 3), X, Y, checkpoint=tmp_path / "a", steps=4
    )
    assert whole.finished
    assert whole.resumed_from == 0

    steps_run = []
    stopped = fit_in_steps(
        chosen_family(family, "binary", 3),
        X,
        Y,
        checkpoint=tmp_path / "b",
        steps=4,
        should_stop=lambda: len(steps_run) >= 2,
        progress=lambda step, _steps: steps_run.append(step),
    )
    assert (stopped.step, stopped.finished) == (2, False)  # the units were taken back
    resumed = fit_in_steps(
        chosen_family(family, "binary", 3),  # a fresh model: the checkpoint is what counts
        X,
        Y,
        checkpoint=tmp_path / "b",
        steps=4,
        progress=lambda step, _steps: steps_run.append(step),
    )
    assert resumed.resumed_from == 2
    assert steps_run == [1, 2, 3, 4]  # never from zero
    assert resumed.finished
    np.testing.assert_allclose(
        resumed.model.predict_proba(X[:500]), whole.model.predict_proba(X[:500]), atol=1e-9
    )


def test_a_checkpoint_cut_short_leaves_the_last_whole_one(tmp_path):
    checkpoint = tmp_path / "c"
    fit_in_steps(
        chosen_family("forest", "binary", 3),
        X,
        Y,
        checkpoint=checkpoint,
        steps=4,
        should_stop=lambda: True,
    )
    (tmp_path / "c.part").write_bytes(b"half a pickle")  # a job killed while writing
    resumed = fit_in_steps(
        chosen_family("forest", "binary", 3), X, Y, checkpoint=checkpoint, steps=4
    )
    assert resumed.resumed_from == 1
    assert resumed.finished
