"""How a model's scores are named and explained to a plant manager: each metric in a sentence
with its own value ("take a real failure and a normal row: the model ranks the failure higher
84 times out of 100"), instead of ``roc_auc 0.84``."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NAMES = {
    "roc_auc": gettext_lazy("ROC-AUC (telling cases apart)"),
    "pr_auc": gettext_lazy("PR-AUC (precision on rare cases)"),
    "f1": gettext_lazy("F1 (finds vs. false alarms)"),
    "balanced_accuracy": gettext_lazy("balanced accuracy"),
    "accuracy": gettext_lazy("accuracy"),
    "mae": gettext_lazy("mean error"),
    "r2": gettext_lazy("R² (variation explained)"),
}
MODELS = {
    "dummy": gettext_lazy("guessing (for comparison)"),
    "linear": gettext_lazy("linear model"),
    "ensemble": gettext_lazy("tree ensemble"),
    "forest": gettext_lazy("random forest"),
    "trees": gettext_lazy("gradient-boosted trees"),
    "mlp": gettext_lazy("small neural network"),
}
TASKS = {
    "binary": gettext_lazy("yes-or-no prediction"),
    "multiclass": gettext_lazy("choosing among several classes"),
    "regression": gettext_lazy("predicting a number"),
    "anomaly": gettext_lazy("finding unusual rows"),
}


def metric_name(code):
    return str(NAMES.get(code, code))


def model_name(code):
    return str(MODELS.get(code, code))


def task_name(code):
    return str(TASKS.get(code, code))


def metric_sentence(code, value):
    """One sentence that says what ``value`` of metric ``code`` means; "" for an unknown one."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    per_hundred = round(100 * value)
    sentences = {
        "roc_auc": _(
            "Take a real case and a normal row at random: the model ranks the real case higher "
            "%(n)s times out of 100 (50 is a coin toss)."
        ),
        "pr_auc": _("Of the rows the model flags, about %(n)s out of 100 are real cases."),
        "f1": _(
            "%(v)s balances finding the real cases against raising false alarms (1 is perfect)."
        ),
        "balanced_accuracy": _(
            "Counting each class equally, the model is right %(n)s times out of 100."
        ),
        "accuracy": _("The model is right on %(n)s rows out of 100."),
        "mae": _("Its predictions are off by %(v)s on average, in the column's own unit."),
        "r2": _(
            "It explains %(n)s%% of the variation (0 is no better than always guessing the "
            "average)."
        ),
    }
    if code not in sentences:
        return ""
    return sentences[code] % {"n": per_hundred, "v": f"{value:.3g}"}
