"""A feasibility result in plain words for a plant manager; the numbers stay one click away."""

from django.utils.translation import gettext as _

METRIC_NAMES = {"roc_auc": "ROC-AUC", "mae": "MAE", "anomaly_share": "anomaly share"}


def study_summary(study):
    result = study.result
    if not result:
        return None
    task = result["task"]
    if task == "anomaly":
        share = result["scores"]["anomaly_share"]
        return _(
            "Without a target, OneStop looked for unusual rows: %(share).1f%% of rows stand out. "
            "An engineer should check whether they were real problems."
        ) % {"share": 100 * share}
    best = result["scores"][result["best"]]
    dummy = result["scores"]["dummy"]
    verdict = result["verdict"]
    if result["metric"] == "mae":
        words = {
            "clear": _("A model predicts '%(target)s' much better than guessing the average"),
            "some": _("A model predicts '%(target)s' somewhat better than guessing the average"),
            "none": _("A model does not yet predict '%(target)s' better than guessing the average"),
        }[verdict]
        return (words + _(": its typical error is %(model)s against %(dummy)s (R² %(r2)s).")) % {
            "target": result["target"],
            "model": f"{best['mae']:.4g}",
            "dummy": f"{dummy['mae']:.4g}",
            "r2": f"{best['r2']:.2f}" if best["r2"] is not None else "—",
        }
    words = {
        "clear": _(
            "A model beats guessing by a clear margin at telling the outcomes of '%(target)s' apart"
        ),
        "some": _("A model beats guessing a little at telling the outcomes of '%(target)s' apart"),
        "none": _(
            "A model does not yet beat guessing at telling the outcomes of '%(target)s' apart"
        ),
    }[verdict]
    return (words + _(": ROC-AUC %(model)s against %(dummy)s for a guess.")) % {
        "target": result["target"],
        "model": f"{best['roc_auc']:.3f}",
        "dummy": f"{dummy['roc_auc'] if dummy['roc_auc'] is not None else 0.5:.3f}",
    }
