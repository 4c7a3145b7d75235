"""Columns that would let a model cheat: they equal or encode the target, or are recorded with
the outcome rather than before it. A baseline trained on them looks perfect and fails in the
plant, so they are flagged and left out unless the user insists."""

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import types

FLAG_PRECISION = 0.95  # a flag that is followed by the outcome this often is the outcome
MIN_FLAG_ROWS = 5
MIN_ROWS = 30  # below this, coincidences look like leaks
CORRELATION = 0.999  # strong physics (power from load) is not a leak; a copy is
SINGLE_COLUMN_AUC = 0.98


def leaking_columns(frame, columns, target, task):
    """{column name: reason} for the columns that leak the target. `columns` are the profile's
    column dicts in file order; `frame` holds the loaded rows."""
    y = frame.get_column(target)
    found = {}
    for column in columns:
        name = column["name"]
        if name == target or column["kind"] in (types.IDENTIFIER, types.TEXT, types.DATETIME):
            continue
        reason = encodes_target(frame.get_column(name), y, column["kind"], task)
        if reason:
            found[name] = reason
    found.update(outcome_siblings(columns, target, found))
    return found


def encodes_target(x, y, kind, task):
    pair = pl.DataFrame({"x": x, "y": y}).drop_nulls()
    if pair.height < MIN_ROWS:
        return None
    groups = pair.group_by("x").agg(pl.col("y").n_unique().alias("n"))
    if groups.height <= 0.5 * pair.height and groups.height >= 2 and (groups["n"] == 1).all():
        return _(
            "Each of its values always comes with the same target value: it encodes the target."
        )
    if task in ("binary", "multiclass") and kind == types.BOOLEAN:
        return flag_reason(pair)
    if task == "binary" and kind == types.NUMBER:
        auc = single_column_auc(pair)
        if auc is not None and max(auc, 1 - auc) >= SINGLE_COLUMN_AUC:
            return _(
                "On its own it separates the outcomes almost perfectly (ROC-AUC %(auc).3f)."
            ) % {"auc": max(auc, 1 - auc)}
    if task in ("regression", "forecasting") and kind == types.NUMBER:
        r = np.corrcoef(pair["x"].to_numpy(), pair["y"].to_numpy())[0, 1]
        if np.isfinite(r) and abs(r) >= CORRELATION:
            return _("It moves with the target almost exactly (correlation %(r).3f).") % {"r": r}
    return None


def flag_reason(pair):
    flagged = pair.filter(pl.col("x") == True)  # noqa: E712 (polars expression, not a Python bool)
    if flagged.height < MIN_FLAG_ROWS:
        return None
    positive = flagged.get_column("y").mode().item(0)
    precision = (flagged.get_column("y") == positive).mean()
    overall = (pair.get_column("y") == positive).mean()
    if precision >= FLAG_PRECISION and overall < 0.5:
        return _(
            "When it is set, the target is '%(value)s' in %(share).0f%% of rows: it is recorded "
            "with the outcome, not before it."
        ) % {
            "value": int(positive) if isinstance(positive, bool) else positive,
            "share": 100 * precision,
        }
    return None


def single_column_auc(pair):
    from sklearn.metrics import roc_auc_score

    y = pair.get_column("y")
    if y.n_unique() != 2:
        return None
    positive = y.unique().sort()[-1]
    return float(roc_auc_score((y == positive).to_numpy(), pair.get_column("x").to_numpy()))


def outcome_siblings(columns, target, found):
    """0/1 columns that sit in one block with the target and with columns already found to
    leak: failure modes, reject reasons. They share the outcome's form and are filled in with
    it, even when (like a random-failure flag) they do not predict it."""
    names = [c["name"] for c in columns]
    index = names.index(target)
    block = {index}
    for step in (-1, 1):
        i = index + step
        while 0 <= i < len(columns) and columns[i]["kind"] == types.BOOLEAN:
            block.add(i)
            i += step
    members = [names[i] for i in sorted(block) if names[i] != target]
    leaking = [name for name in members if name in found]
    if not leaking:
        return {}
    reason = _(
        "It sits with the target and with %(others)s, in the same 0/1 form: it is recorded "
        "with the outcome, not known before it."
    ) % {"others": ", ".join(f"'{n}'" for n in leaking[:4])}
    return {name: reason for name in members if name not in found}
