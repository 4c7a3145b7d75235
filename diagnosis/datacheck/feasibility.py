"""The feasibility study: can a model beat guessing on this data? A dummy model, a linear model
and a tree ensemble are cross-validated (time-aware when the data has time), leaks are flagged
and left out, and the best model is exported to ONNX and checked against scikit-learn on rows
it never saw. The numbers are the evidence; the portal puts them in words."""

import hashlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import types
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.leakage import leaking_columns
from diagnosis.datacheck.profile import no_progress
from diagnosis.datacheck.readiness import first_time_column

MAX_CATEGORY_LEVELS = 20
MIN_ROWS = 30
MIN_CLASS_ROWS = 10
HOLDOUT_SHARE = 0.2
IMPORTANCE_ROWS = 5000
IMPORTANCE_REPEATS = 3
LAGS = (1, 2, 3)
# A probability that differs by more than this, or any differing label, is a failed export.
ONNX_TOLERANCE = 1e-4


class StudyError(UnreadableFile):
    """The data cannot support the requested study (too few rows, one class only, …)."""


@dataclass
class Features:
    matrix: np.ndarray
    names: list
    sources: list  # per feature: the column it came from
    recipe: list = field(default_factory=list)  # how to rebuild each feature from a row

    @property
    def encodings(self):
        return {item["encoding"] for item in self.recipe}


def run_study(
    normalised, profile, *, target=None, exclude=(), max_rows=100_000, seed=0, progress=no_progress
):
    """Returns (result, onnx_bytes). `result` is JSON-able."""
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
        result.update(supervised_study(features, y, task, time_column is not None, seed, progress))
        onnx_bytes = result.pop("_onnx")
    result["model"]["features"] = features.recipe
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
    lazy = pl.scan_parquet(normalised)
    if time_column:
        # The most recent rows, in time order: the split must never train on the future.
        lazy = lazy.sort(time_column["name"], nulls_last=True)
        rows = lazy.select(pl.len()).collect().item()
        return lazy.slice(max(0, rows - max_rows), max_rows).collect()
    frame = lazy.collect()
    return frame.sample(max_rows, seed=seed) if frame.height > max_rows else frame


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


def add_lags(frame, target):
    return frame.with_columns(
        [pl.col(target).shift(lag).alias(f"{target} (lag {lag})") for lag in LAGS]
    ).slice(max(LAGS))


def encode(frame, usable, *, lags, target):
    """Numbers as they are, yes/no as 0/1, categories one-hot over their commonest levels.
    The recipe lets an application build the same vector from a row."""
    blocks, names, sources, recipe = [], [], [], []
    for column in usable:
        name, series = column["name"], frame.get_column(column["name"])
        if column["kind"] == types.NUMBER:
            blocks.append(series.cast(pl.Float64).to_numpy())
            names.append(name)
            sources.append(name)
            recipe.append({"feature": name, "column": name, "encoding": "number"})
        elif column["kind"] == types.BOOLEAN:
            blocks.append(series.cast(pl.Float64).to_numpy())
            names.append(name)
            sources.append(name)
            recipe.append({"feature": name, "column": name, "encoding": "0/1"})
        elif column["kind"] == types.CATEGORY:
            # Renamed first: a column called "count" would clash with value_counts' own field.
            levels = (series.drop_nulls().alias("value").value_counts(sort=True, name="n")).head(
                MAX_CATEGORY_LEVELS
            )
            for level in levels.get_column("value").to_list():
                blocks.append((series == level).fill_null(False).cast(pl.Float64).to_numpy())
                names.append(f"{name} = {level}")
                sources.append(name)
                recipe.append(
                    {
                        "feature": f"{name} = {level}",
                        "column": name,
                        "encoding": "one-hot",
                        "value": level,
                    }
                )
    if lags:
        for lag in LAGS:
            lag_name = f"{target} (lag {lag})"
            blocks.append(frame.get_column(lag_name).cast(pl.Float64).to_numpy())
            names.append(lag_name)
            sources.append(lag_name)
            recipe.append(
                {"feature": lag_name, "column": target, "encoding": f"value {lag} rows earlier"}
            )
    matrix = (
        np.column_stack(blocks).astype(np.float32)
        if blocks
        else np.empty((frame.height, 0), np.float32)
    )
    return Features(matrix, names, sources, recipe)


def target_vector(series, task):
    if task in ("regression", "forecasting"):
        return series.cast(pl.Float64).to_numpy(), []
    values = series.cast(pl.String) if series.dtype != pl.Boolean else series
    counts = values.alias("value").value_counts(sort=True, name="n")
    classes = counts.get_column("value").to_list()
    if task == "binary":
        classes = classes[::-1]  # the rarer class is "positive": failures, defects
        if series.dtype == pl.Boolean:
            classes = [False, True]
    smallest = counts.get_column("n").min()
    if len(classes) < 2:
        raise StudyError(_("The target has only one value; there is nothing to predict."))
    if smallest < MIN_CLASS_ROWS:
        raise StudyError(
            _(
                "The rarest outcome has only %(count)s rows; at least %(min)s are needed to "
                "test a model."
            )
            % {"count": smallest, "min": MIN_CLASS_ROWS}
        )
    index = {value: i for i, value in enumerate(classes)}
    y = np.array([index[v] for v in values.to_list()], dtype=np.int64)
    return y, [str(c).lower() if isinstance(c, bool) else str(c) for c in classes]


# --- supervised ------------------------------------------------------------------------------

METRICS = {
    "binary": {
        "roc_auc": "roc_auc",
        "pr_auc": "average_precision",
        "f1": "f1",
        "balanced_accuracy": "balanced_accuracy",
    },
    "multiclass": {"roc_auc": "roc_auc_ovr_weighted", "f1": "f1_macro", "accuracy": "accuracy"},
    "regression": {"mae": "neg_mean_absolute_error", "r2": "r2"},
}
PRIMARY = {"binary": "roc_auc", "multiclass": "roc_auc", "regression": "mae"}


def baselines(task, seed):
    from sklearn.dummy import DummyClassifier, DummyRegressor
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def imputer():
        return SimpleImputer(strategy="median", keep_empty_features=True)

    if task in ("binary", "multiclass"):
        return {
            "dummy": DummyClassifier(strategy="prior"),
            "linear": make_pipeline(
                imputer(),
                StandardScaler(),
                LogisticRegression(max_iter=2000, class_weight="balanced"),
            ),
            "ensemble": make_pipeline(
                imputer(), RandomForestClassifier(**FOREST, random_state=seed)
            ),
        }
    return {
        "dummy": DummyRegressor(strategy="mean"),
        "linear": make_pipeline(imputer(), StandardScaler(), Ridge(alpha=1.0)),
        "ensemble": make_pipeline(imputer(), RandomForestRegressor(**FOREST, random_state=seed)),
    }


# A random forest rather than gradient boosting: skl2onnx exports it faithfully with the
# scikit-learn release pinned here, and the leaf floor keeps the ONNX file small.
FOREST = {"n_estimators": 150, "min_samples_leaf": 3, "max_features": "sqrt", "n_jobs": -1}
OUT_OF_MEMORY_SIGNS = ("MemoryError", "can't start new thread", "failed to map segment")
CV_ROWS = 30_000  # cross-validation on a sample: five folds of more say little more

MODEL_NAMES = {
    "dummy": "guessing (dummy model)",
    "linear": "linear model",
    "ensemble": "tree ensemble",
}


def splitter(task, time_aware, y, seed):
    from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

    if time_aware:
        return TimeSeriesSplit(n_splits=5)
    if task in ("binary", "multiclass"):
        return StratifiedKFold(
            n_splits=min(5, int(np.bincount(y).min())), shuffle=True, random_state=seed
        )
    return KFold(n_splits=5, shuffle=True, random_state=seed)


def supervised_study(features, y, task, time_aware, seed, progress):
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import cross_validate

    family = "regression" if task == "forecasting" else task
    scoring = METRICS[family]
    cv = splitter(family, time_aware, y, seed)
    scores = {}
    models = baselines(family, seed)
    rows = cv_rows(len(y), time_aware, seed)
    for step, (key, model) in enumerate(models.items()):
        progress(
            30 + 15 * step, _("Cross-validating the %(model)s") % {"model": _(MODEL_NAMES[key])}
        )
        try:
            with warnings.catch_warnings(record=True) as caught:
                # A fold without both outcomes scores NaN and says so; the means skip NaNs and
                # a study with no usable fold is refused below.
                warnings.simplefilter("ignore", UserWarning)
                warnings.simplefilter("always", FitFailedWarning)
                cv_result = cross_validate(
                    model,
                    features.matrix[rows],
                    y[rows],
                    cv=cv,
                    scoring=scoring,
                    error_score=np.nan,
                )
        except ValueError as exc:  # every fold failed; sklearn lists why
            refuse_for_memory([str(exc)])
            raise StudyError(too_few_in_folds(family, time_aware)) from None
        refuse_for_memory([str(w.message) for w in caught])
        scores[key] = {
            metric: finite_mean(
                -cv_result[f"test_{metric}"] if metric == "mae" else cv_result[f"test_{metric}"]
            )
            for metric in scoring
        }
    primary = PRIMARY[family]
    lower_is_better = primary == "mae"
    candidates = [k for k in ("linear", "ensemble") if scores[k][primary] is not None]
    if not candidates:
        raise StudyError(
            _("No model could be evaluated on these rows; add more rows with both outcomes.")
        )
    best = (min if lower_is_better else max)(candidates, key=lambda k: scores[k][primary])

    progress(80, _("Checking the best model on rows it never saw"))
    train, hold = holdout_indices(y, family, time_aware, seed)
    if family != "regression" and len(np.unique(y[train])) < len(np.unique(y)):
        raise StudyError(too_few_in_folds(family, time_aware))
    model = models[best]
    model.fit(features.matrix[train], y[train])
    onnx_bytes, check = export_and_check(model, features.matrix[hold], family)
    try:
        importance = permutation_importance(model, features, y, hold, scoring[primary], seed)
    except ValueError:
        importance = []  # a held-out slice missing an outcome cannot be scored; the rest stands
    return {
        "metric": primary,
        "scores": scores,
        "best": best,
        "lift": lift(scores, best, primary),
        "verdict": verdict(scores, best, family),
        "importance": importance,
        "model": {
            "algorithm": type(model[-1]).__name__,
            "onnx_check": check,
            "inputs": len(features.names),
        },
        "_onnx": onnx_bytes,
    }


def cv_rows(count, time_aware, seed):
    if count <= CV_ROWS:
        return np.arange(count)
    if time_aware:
        return np.arange(count - CV_ROWS, count)  # the most recent, still in time order
    return np.sort(np.random.default_rng(seed).choice(count, CV_ROWS, replace=False))


def refuse_for_memory(messages):
    """A fit that failed for want of memory is not a fold without both outcomes: the job must
    fail on its memory budget, not blame the target column."""
    if any(sign in text for text in messages for sign in OUT_OF_MEMORY_SIGNS):
        raise MemoryError("a model could not be fitted within the memory budget")


def too_few_in_folds(family, time_aware):
    if family != "regression" and time_aware:
        return _(
            "Some outcomes occur only in part of the time range, so a model trained on earlier "
            "rows never sees them. Upload a longer period, or rows from across the year."
        )
    return _("The models could not be trained on these rows; check the target column's values.")


def finite_mean(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return round(float(values.mean()), 4) if values.size else None


def lift(scores, best, primary):
    dummy, model = scores["dummy"][primary], scores[best][primary]
    if primary == "mae":
        return {
            "absolute": round(dummy - model, 4),
            "relative": round((dummy - model) / dummy, 4) if dummy else None,
        }
    dummy = 0.5 if dummy is None else dummy  # a constant score ranks nothing: AUC 0.5
    return {"absolute": round(model - dummy, 4), "relative": None}


def verdict(scores, best, family):
    """'clear', 'some' or 'none': how much better than guessing the best baseline is."""
    if family == "regression":
        r2 = scores[best]["r2"] or 0
        return "clear" if r2 >= 0.5 else "some" if r2 >= 0.1 else "none"
    gain = (scores[best]["roc_auc"] or 0.5) - 0.5
    return "clear" if gain >= 0.2 else "some" if gain >= 0.05 else "none"


def holdout_indices(y, family, time_aware, seed):
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    if time_aware:
        cut = int(len(y) * (1 - HOLDOUT_SHARE))
        return index[:cut], index[cut:]
    stratify = y if family != "regression" else None
    train, hold = train_test_split(
        index, test_size=HOLDOUT_SHARE, random_state=seed, stratify=stratify
    )
    return np.sort(train), np.sort(hold)


def permutation_importance(model, features, y, hold, scorer_name, seed):
    """Score lost when one input column (all its one-hot parts together) is shuffled."""
    from sklearn.metrics import get_scorer

    scorer = get_scorer(scorer_name)
    rng = np.random.default_rng(seed)
    sources = list(dict.fromkeys(features.sources))
    # Wide tables: fewer rows and one repeat, so importance never outlasts the study itself.
    wide = len(sources) > 30
    repeats = 1 if wide else IMPORTANCE_REPEATS
    rows = hold[: 1000 if wide else IMPORTANCE_ROWS]
    X, target = features.matrix[rows], y[rows]
    base = scorer(model, X, target)
    out = []
    for source in sources:
        cols = [i for i, s in enumerate(features.sources) if s == source]
        drops = []
        for _repeat in range(repeats):
            shuffled = X.copy()
            shuffled[:, cols] = X[rng.permutation(len(rows))][:, cols]
            drops.append(base - scorer(model, shuffled, target))
        out.append({"column": source, "importance": round(float(np.mean(drops)), 4)})
    return sorted(out, key=lambda item: item["importance"], reverse=True)


# --- anomaly detection -------------------------------------------------------------------------


def anomaly_study(features, seed, progress):
    from sklearn.ensemble import IsolationForest
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if "number" not in features.encodings:
        raise StudyError(
            _(
                "Looking for unusual rows needs measured numbers (temperatures, speeds, counts); "
                "this table has none."
            )
        )
    progress(40, _("Fitting an anomaly detector"))
    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        IsolationForest(n_estimators=100, random_state=seed),
    )
    index = np.arange(features.matrix.shape[0])
    cut = int(len(index) * (1 - HOLDOUT_SHARE))
    model.fit(features.matrix[:cut])
    flags = model.predict(features.matrix) == -1
    progress(80, _("Checking the model on rows it never saw"))
    onnx_bytes, check = export_and_check(model, features.matrix[cut:], "anomaly")
    unusual = []
    matrix = features.matrix
    if flags.any() and (~flags).any():
        normal_mean = np.nanmean(matrix[~flags], axis=0)
        normal_std = np.nanstd(matrix[~flags], axis=0) + 1e-9
        shift = np.abs(np.nanmean(matrix[flags], axis=0) - normal_mean) / normal_std
        order = np.argsort(-np.nan_to_num(shift))[:5]
        unusual = [
            {"column": features.names[i], "shift_sd": round(float(shift[i]), 2)} for i in order
        ]
    return {
        "metric": "anomaly_share",
        "scores": {"anomaly_share": round(float(flags.mean()), 4)},
        "best": "isolation_forest",
        "lift": None,
        "verdict": "anomaly",
        "importance": unusual,
        "model": {
            "algorithm": "IsolationForest",
            "onnx_check": check,
            "inputs": len(features.names),
        },
        "_onnx": onnx_bytes,
    }


# --- ONNX ----------------------------------------------------------------------------------------


def export_and_check(model, held_out, family):
    """The fitted pipeline as ONNX, and how its outputs compare with scikit-learn's on the
    held-out rows. Inputs are float32 on both sides, as an endpoint will receive them."""
    import onnxruntime as ort
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    final = model[-1]
    options = {id(final): {"zipmap": False}} if family in ("binary", "multiclass") else None
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, held_out.shape[1]]))],
        options=options,
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    onnx_bytes = onnx_model.SerializeToString()
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    outputs = session.run(None, {"input": held_out})
    if family in ("binary", "multiclass"):
        expected_labels = model.predict(held_out)
        expected_scores = model.predict_proba(held_out)
        labels, scores = outputs[0], outputs[1]
    elif family == "anomaly":
        expected_labels = model.predict(held_out)
        expected_scores = model.decision_function(held_out)
        labels, scores = outputs[0].ravel(), outputs[1].ravel()
    else:
        expected_labels = None
        expected_scores = model.predict(held_out)
        labels, scores = None, outputs[0].ravel()
    diff = (
        float(np.max(np.abs(np.asarray(scores, dtype=float) - expected_scores)))
        if len(held_out)
        else 0.0
    )
    agreement = (
        1.0 if labels is None else float(np.mean(np.asarray(labels).ravel() == expected_labels))
    )
    scale = max(1.0, float(np.max(np.abs(expected_scores)))) if len(held_out) else 1.0
    return onnx_bytes, {
        "rows": len(held_out),
        "label_agreement": round(agreement, 6),
        "max_abs_difference": diff,
        "matches": agreement == 1.0 and diff <= ONNX_TOLERANCE * scale,
        "outputs": [o.name for o in session.get_outputs()],
    }
