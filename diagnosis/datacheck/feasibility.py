"""The feasibility study: can a model beat guessing on this data? A dummy model, a linear model
and a tree ensemble are cross-validated (time-aware when the data has time), leaks are flagged
and left out, and the best model is exported to ONNX and checked against scikit-learn on rows
it never saw. The numbers are the evidence; the portal puts them in words.

This module loads the rows and decides what to study; `features` encodes them, `supervised` and
`anomaly` fit and score the models, and `onnx_export` exports and checks the best."""

import hashlib
import time
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from deployment.health.reference import build_profile
from diagnosis.datacheck import types
from diagnosis.datacheck.anomaly import anomaly_study
from diagnosis.datacheck.errors import StudyError
from diagnosis.datacheck.features import add_lags, encode, recipe_columns, target_vector
from diagnosis.datacheck.leakage import leaking_columns
from diagnosis.datacheck.profile import no_progress
from diagnosis.datacheck.readiness import first_time_column
from diagnosis.datacheck.supervised import supervised_study

MIN_ROWS = 30


def run_study(
    normalised,
    profile,
    *,
    target=None,
    exclude=(),
    max_rows=100_000,
    seed=0,
    progress=no_progress,
    model_family=None,
    npu_model_out=None,
    **training,
):
    """Returns (result, onnx_bytes). `result` is JSON-able. ``model_family`` trains that family
    (a training job) instead of comparing the baselines; the NPU-ready form of a supervised
    model, when it could be made, is written to ``npu_model_out``."""
    started = time.perf_counter()
    columns = profile["columns"]
    by_name = {c["name"]: c for c in columns}
    if target and target not in by_name:
        raise StudyError(_("There is no column called '%(name)s'.") % {"name": target})
    time_column = first_time_column(columns)
    task = infer_task(by_name[target], time_column) if target else "anomaly"
    progress(10, _("Loading the rows"))
    frame = load_rows(normalised, columns, time_column, max_rows, seed)
    if target:
        frame = frame.filter(pl.col(target).is_not_null())
    if frame.height < MIN_ROWS:
        raise StudyError(
            _("Only %(rows)s rows have a value to learn from; at least %(min)s are needed.")
            % {"rows": frame.height, "min": MIN_ROWS}
        )

    progress(20, _("Looking for columns that give the answer away"))
    leaks = leaking_columns(frame, columns, target, task) if target else {}
    excluded = excluded_columns(columns, target, time_column, leaks, exclude)
    usable = [c for c in columns if c["name"] not in excluded and c["name"] != target]
    if task == "forecasting":
        frame = add_lags(frame, target)
    features = encode(frame, usable, lags=task == "forecasting", target=target)
    if not features.names:
        raise StudyError(
            _(
                "No usable input columns are left once identifiers, text and leaking columns are "
                "set aside."
            )
        )

    result = {
        "task": task,
        "target": target,
        "rows_used": frame.height,
        "rows_total": profile["rows"],
        "time_column": time_column["name"] if time_column else None,
        "time_aware": time_column is not None,
        "leaks": [{"column": name, "reason": reason} for name, reason in leaks.items()],
        "excluded": excluded,
        "features": features.names,
    }
    if task == "anomaly":
        result.update(anomaly_study(features, seed, progress))
        onnx_bytes = result.pop("_onnx")
    else:
        y, classes = target_vector(frame.get_column(target), task)
        result["classes"] = classes
        result.update(
            supervised_study(
                features,
                y,
                task,
                time_column is not None,
                seed,
                progress,
                model_family,
                **training,
            )
        )
        onnx_bytes = result.pop("_onnx")
        npu_bytes = result.pop("_onnx_npu")
        if npu_bytes is not None:
            result["model"]["npu_sha256"] = hashlib.sha256(npu_bytes).hexdigest()
            if npu_model_out is not None:
                Path(npu_model_out).write_bytes(npu_bytes)
    result["model"]["features"] = features.recipe
    result["model"]["reference"] = build_profile(
        features.matrix, recipe_columns(features.recipe), source="training"
    )
    result["model"]["sha256"] = hashlib.sha256(onnx_bytes).hexdigest()
    result["seconds"] = round(time.perf_counter() - started, 2)
    progress(100, _("Study finished"))
    return result, onnx_bytes


def infer_task(column, time_column):
    kind = column["kind"]
    if column["distinct"] <= 1:
        raise StudyError(
            _("'%(name)s' has the same value in every row; there is nothing to predict.")
            % {"name": column["name"]}
        )
    if kind == types.BOOLEAN or (kind == types.CATEGORY and column["distinct"] == 2):
        return "binary"
    if kind == types.CATEGORY:
        return "multiclass"
    if kind == types.NUMBER:
        if column["distinct"] == 2:
            return "binary"
        return "forecasting" if time_column else "regression"
    raise StudyError(
        _("'%(name)s' is %(kind)s; a target must be a number, a category or a yes/no column.")
        % {"name": column["name"], "kind": _(kind)}
    )


def load_rows(normalised, columns, time_column, max_rows, seed):
    """At most `max_rows` rows, read without holding the rest: sorting or sampling the whole
    table in memory would hold every row of a file with millions."""
    lazy = pl.scan_parquet(normalised)
    rows = lazy.select(pl.len()).collect().item()
    if time_column:
        # The most recent rows, in time order: the split must never train on the future. Rows
        # without a time sort last, as a sort with nulls last puts them.
        name = time_column["name"]
        if rows <= max_rows:
            return lazy.collect().sort(name, nulls_last=True)
        untimed = min(max_rows, lazy.select(pl.col(name).null_count()).collect().item())
        recent = (
            lazy.filter(pl.col(name).is_not_null())
            .top_k(max_rows - untimed, by=name)
            .collect(engine="streaming")
        )
        undated = lazy.filter(pl.col(name).is_null()).head(untimed).collect(engine="streaming")
        return pl.concat([recent.sort(name), undated])
    if rows <= max_rows:
        return lazy.collect()
    # A uniform sample of exactly max_rows rows, in random order: the rows whose numbers hash
    # highest (streamed, holding only the rows kept so far).
    index = "\0row"
    return (
        lazy.with_row_index(index)
        .top_k(max_rows, by=pl.col(index).hash(seed=seed))
        .drop(index)
        .collect(engine="streaming")
    )


def excluded_columns(columns, target, time_column, leaks, exclude):
    out = {}
    for column in columns:
        name = column["name"]
        if name == target:
            continue
        if name in exclude:
            out[name] = _("left out by you")
        elif column["kind"] == types.IDENTIFIER:
            out[name] = _("an identifier: it names rows, it does not measure them")
        elif column["kind"] == types.TEXT:
            out[name] = _("free text")
        elif column["kind"] == types.DATETIME:
            out[name] = _("the time axis: used to order and split the rows")
        elif name in leaks:
            out[name] = _("leaks the target")
        elif column["constant"]:
            out[name] = _("the same value in every row")
    return out
