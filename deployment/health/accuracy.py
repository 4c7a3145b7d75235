"""Live accuracy: the answers that have a reported label, scored per day with the metric the
model was chosen on (the first one it claimed that can be computed from the labels), and with
the plain share of right answers for a classifier."""

from collections import defaultdict

import numpy as np

from deployment.models import PredictionRecord, Task
from onestop.dates import local_date

REGRESSION_TASKS = (Task.REGRESSION, Task.FORECASTING)
# Metrics where higher is better, in the order a claimed metric is looked for.
CHOSEN_ORDER = ("roc_auc", "accuracy", "f1", "r2")
MAX_RECORDS = 200_000


def labelled(endpoint, since, until):
    return (
        PredictionRecord.objects.filter(
            endpoint=endpoint, labelled_at__isnull=False, at__gte=since, at__lt=until
        )
        .order_by("-at")  # the newest, when there are more than MAX_RECORDS
        .values_list("at", "predicted", "predicted_value", "score", "label", "label_value")[
            :MAX_RECORDS
        ]
    )


def is_regression(endpoint):
    return endpoint.version.family.task in REGRESSION_TASKS


def scores(endpoint, rows):
    """{metric: value} for ``rows`` of ``labelled``; {} with none."""
    if not rows:
        return {}
    if is_regression(endpoint):
        pairs = np.array(
            [(p, t) for _a, _p, p, _s, _l, t in rows if p is not None and t is not None]
        )
        if not len(pairs):
            return {"labelled": len(rows)}
        error = pairs[:, 0] - pairs[:, 1]
        result = {"labelled": len(rows), "mae": float(np.abs(error).mean())}
        spread = ((pairs[:, 1] - pairs[:, 1].mean()) ** 2).sum()
        if len(pairs) > 1 and spread > 0:
            result["r2"] = float(1 - (error**2).sum() / spread)
        return result
    right = sum(1 for _a, predicted, _p, _s, label, _t in rows if predicted == label)
    result = {"labelled": len(rows), "accuracy": right / len(rows)}
    auc = roc_auc(rows)
    if auc is not None:
        result["roc_auc"] = auc
    return result


def roc_auc(rows):
    """ROC-AUC of the positive-class probabilities against labels of 0 and 1, when both kinds
    of label are present; None otherwise."""
    pairs = [(s, label) for _a, _p, _v, s, label, _t in rows if s is not None]
    if not pairs or {label for _s, label in pairs} != {"0", "1"}:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([label == "1" for _s, label in pairs], [s for s, _l in pairs]))


def chosen_metric(endpoint, measured):
    """(name, live value, value claimed when chosen) of the metric the model was chosen on."""
    claimed = endpoint.version.claimed_metrics or {}
    for name in CHOSEN_ORDER:
        if name in claimed and name in measured:
            return name, measured[name], claimed[name]
    for name in CHOSEN_ORDER:
        if name in measured:
            return name, measured[name], claimed.get(name)
    return None, None, None


def accuracy_by_day(endpoint, since, until):
    """[{day, labelled, metric: value…}] per local day that has labels, oldest first."""
    days = defaultdict(list)
    for row in labelled(endpoint, since, until):
        days[local_date(row[0])].append(row)
    return [{"day": day, **scores(endpoint, rows)} for day, rows in sorted(days.items())]


def accuracy_between(endpoint, since, until):
    return scores(endpoint, list(labelled(endpoint, since, until)))
