"""What a model's answer says, in a sentence a plant manager reads ("chance of a failure:
84 %"), next to the raw outputs "try it" shows."""

import numbers

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What a "yes" means for a model of each use case.
OUTCOMES = {
    "predictive_maintenance": gettext_lazy("a failure"),
    "anomaly_detection": gettext_lazy("an anomaly"),
    "visual_inspection": gettext_lazy("a defect"),
    "quality_prediction": gettext_lazy("a defect"),
}


def _flat(value):
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def _positive_share(probabilities):
    """The probability of the last class of a two-class answer, or None."""
    value = _flat(probabilities)
    if isinstance(value, dict) and len(value) == 2:
        value = [value[key] for key in sorted(value, key=str)]
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, numbers.Real) for v in value)
    ):
        return float(value[1])
    return None


def reading(outputs, use_cases=()):
    """A sentence for the answer, or "" when the outputs are not one a sentence can tell."""
    probabilities = next((value for name, value in outputs.items() if "prob" in name.lower()), None)
    if probabilities is not None:
        share = _positive_share(probabilities)
        if share is not None and 0 <= share <= 1:
            what = next((OUTCOMES[u] for u in use_cases if u in OUTCOMES), None)
            what = what or _("a “yes” (1)")
            return _("Chance of %(what)s: %(percent)s %%") % {
                "what": what,
                "percent": round(100 * share),
            }
    if len(outputs) == 1:
        value = _flat(next(iter(outputs.values())))
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return _("Predicted value: %(value)s") % {"value": f"{value:.4g}"}
    return ""
