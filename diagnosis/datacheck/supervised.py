"""The supervised half of a feasibility study: guessing, a linear model and a tree ensemble
cross-validated on the same folds (time-ordered when the data has time), the best refitted and
checked on held-out rows, and how much each input column contributes."""

import warnings

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from diagnosis.datacheck.errors import StudyError
from diagnosis.datacheck.onnx_export import export_and_check, export_npu_and_check

HOLDOUT_SHARE = 0.2
IMPORTANCE_ROWS = 5000
IMPORTANCE_REPEATS = 3

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

MODEL_NAMES = {  # shown in the study's progress, translated there
    "dummy": gettext_noop("guessing (dummy model)"),
    "linear": gettext_noop("linear model"),
    "ensemble": gettext_noop("tree ensemble"),
    "forest": gettext_noop("random forest"),
    "trees": gettext_noop("gradient-boosted trees"),
    "mlp": gettext_noop("small neural network"),
}
# Depth and stages bounded so the NPU-ready form stays small (it holds every node).
BOOSTING = {"n_estimators": 200, "max_depth": 4, "learning_rate": 0.1, "subsample": 0.8}
NETWORK = {"hidden_layer_sizes": (32, 16), "max_iter": 400, "early_stopping": True}


def chosen_family(name, family, seed):
    """A training job's model family: ``forest``, ``trees`` (gradient boosting) or ``mlp``."""
    from sklearn import ensemble, neural_network
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    imputer = SimpleImputer(strategy="median", keep_empty_features=True)
    classify = family in ("binary", "multiclass")
    if name == "forest":
        kind = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        return make_pipeline(imputer, kind(**FOREST, random_state=seed))
    if name == "trees":
        kind = (
            ensemble.GradientBoostingClassifier if classify else ensemble.GradientBoostingRegressor
        )
        return make_pipeline(imputer, kind(**BOOSTING, random_state=seed))
    if name == "mlp":
        kind = neural_network.MLPClassifier if classify else neural_network.MLPRegressor
        return make_pipeline(imputer, StandardScaler(), kind(**NETWORK, random_state=seed))
    raise StudyError(_("Unknown model family '%(name)s'.") % {"name": name})


def splitter(task, time_aware, y, seed):
    from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

    if time_aware:
        return TimeSeriesSplit(n_splits=5)
    if task in ("binary", "multiclass"):
        return StratifiedKFold(
            n_splits=min(5, int(np.bincount(y).min())), shuffle=True, random_state=seed
        )
    return KFold(n_splits=5, shuffle=True, random_state=seed)


def fit_whole(model, X, y):
    model.fit(X, y)
    return model


def supervised_study(
    features, y, task, time_aware, seed, progress, model_family=None, fit=fit_whole, known=None
):
    """The study; with ``model_family`` (a training job), that family against guessing.
    ``fit(model, X, y)`` fits the chosen model and returns it (a training job fits in steps);
    ``known`` holds cross-validated scores a resumed job computed before, and is filled with
    them when empty."""
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection import cross_validate

    family = "regression" if task == "forecasting" else task
    scoring = METRICS[family]
    cv = splitter(family, time_aware, y, seed)
    scores = {}
    models = baselines(family, seed)
    if model_family:
        models = {
            "dummy": models["dummy"],
            model_family: chosen_family(model_family, family, seed),
        }
    rows = cv_rows(len(y), time_aware, seed)
    if known:
        scores = dict(known)
    for step, (key, model) in enumerate(models.items()):
        if key in scores:
            continue
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
    if known is not None:
        known.update(scores)
    primary = PRIMARY[family]
    lower_is_better = primary == "mae"
    candidates = [k for k in models if k != "dummy" and scores[k][primary] is not None]
    if not candidates:
        raise StudyError(
            _("No model could be evaluated on these rows; add more rows with both outcomes.")
        )
    best = (min if lower_is_better else max)(candidates, key=lambda k: scores[k][primary])

    progress(80, _("Checking the best model on rows it never saw"))
    train, hold = holdout_indices(y, family, time_aware, seed)
    if family != "regression" and len(np.unique(y[train])) < len(np.unique(y)):
        raise StudyError(too_few_in_folds(family, time_aware))
    model = fit(models[best], features.matrix[train], y[train])
    onnx_bytes, check = export_and_check(model, features.matrix[hold], family)
    npu_bytes, npu_check = export_npu_and_check(model, features.matrix[hold], family)
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
            "npu_check": npu_check,
            "inputs": len(features.names),
        },
        "_onnx": onnx_bytes,
        "_onnx_npu": npu_bytes,
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
