"""Why a match ranks where it does, one sentence per part, in the reader's language."""

from django.utils.translation import gettext as _

from deployment.usecases import UseCase
from diagnosis.metric_words import metric_name


def won(amount):
    return f"₩{amount:,.0f}"


def reasons(match, context):
    version, pool, family = match.version, match.pool, match.version.family
    return {
        "use_case": use_case_reason(family, context),
        "industry": industry_reason(family, context),
        "inputs": inputs_reason(match, context),
        "accuracy": accuracy_reason(version, context),
        "accelerator": accelerator_reason(match, context),
        "policy": policy_reason(pool),
        "cost": cost_reason(match, context),
    }


def use_case_reason(family, context):
    if not context.has_diagnosis:
        return _("No diagnosis yet: the roadmap's use cases are not known.")
    best = max(
        family.use_cases or [], key=lambda code: context.use_cases.get(code, 0), default=None
    )
    if best is None or context.use_cases.get(best, 0) == 0:
        return _("Not among your roadmap's use cases.")
    name = dict(UseCase.choices).get(best, best)
    if context.use_cases[best] >= 0.99:
        return _("Serves your roadmap's first use case: %(name)s.") % {"name": name}
    return _("Serves %(name)s from your roadmap.") % {"name": name}


def industry_reason(family, context):
    if not family.industries:
        return _("A general-purpose model for any industry.")
    section = context.company.ksic_section or ""
    if (
        f"{section}{context.company.ksic_division}" in family.industries
        or section in family.industries
    ):
        return _("Built for your industry.")
    return _("Built for other industries (%(codes)s).") % {
        "codes": ", ".join(family.industries[:4])
    }


def inputs_reason(match, context):
    inputs = match.version.input_columns
    if not inputs:
        return _("The vendor has not described the model's inputs.")
    if not context.columns:
        return _("Upload a data check to see whether your data has the model's inputs.")
    mapping = match.mapping
    found = sum(1 for column in mapping.columns.values() if column)
    if mapping.complete:
        return _("All %(n)s inputs found in your data.") % {"n": len(mapping.columns)}
    return _("%(found)s of %(n)s inputs found in your data; map the others by hand.") % {
        "found": found,
        "n": len(mapping.columns),
    }


def accuracy_reason(version, context):
    evaluation = context.evaluations.get(version.pk)
    if evaluation is not None and evaluation.value is not None:
        return _("Measured on your data: %(metric)s %(value).3f on %(rows)s rows.") % {
            "metric": metric_name(evaluation.metric),
            "value": evaluation.value,
            "rows": f"{evaluation.rows:,}",
        }
    if version.claimed_metrics and version.family.company_id:
        name, value = next(iter(version.claimed_metrics.items()))
        # The company's own model: its figure was measured on the company's rows, not claimed.
        return _("Measured when it was trained on your data: %(metric)s %(value)s.") % {
            "metric": metric_name(name),
            "value": f"{value:.3g}",
        }
    if version.claimed_metrics:
        name, value = next(iter(version.claimed_metrics.items()))
        return _("The vendor reports %(metric)s %(value)s; not yet measured on your data.") % {
            "metric": metric_name(name),
            "value": f"{value:.3g}",
        }
    return _("No accuracy reported.")


def accelerator_reason(match, context):
    pool = match.pool
    text = _("Runs on %(flavor)s, about %(ms)s ms per prediction (your target: %(target)s ms).") % {
        "flavor": pool.get_flavor_display(),
        "ms": f"{match.latency_ms:.3g}",
        "target": context.needs.latency_ms,
    }
    if pool.emulated:
        text += " " + _(
            "This server has no %(runtime)s runtime: the pool is emulated on its CPU."
        ) % {"runtime": pool.get_flavor_display()}
    return text


def policy_reason(pool):
    if pool.kind == "npu" and pool.domestic:
        return _("Inference on a domestic NPU, as the programme prefers.")
    if pool.kind == "gpu":
        return _("A GPU: the programme keeps GPUs for training where it can.")
    return _("A CPU pool: fine for light models.")


def cost_reason(match, context):
    text = _("About %(cost)s a month: %(units)s unit(s) × %(price)s an hour.") % {
        "cost": won(match.monthly_cost),
        "units": match.units,
        "price": won(match.pool.price_per_unit_hour),
    }
    if match.monthly_cost > context.needs.monthly_budget_krw:
        return (
            text
            + " "
            + _("Over your budget of %(budget)s.")
            % {"budget": won(context.needs.monthly_budget_krw)}
        )
    return text + " " + _("Within your budget.")
