"""From scores to an ordered plan: the gaps that matter most for the firm's own KPIs, and the
AI use cases its answers make feasible. Pure functions over a spec and a scoring result."""

import statistics
from dataclasses import dataclass

from django.utils.translation import gettext as _

from diagnosis.questionnaire.labels import ADOPTION_LABELS, YNP_LABELS
from diagnosis.questionnaire.scoring import NA, YNP_SCORES


@dataclass
class Gap:
    dimension: object  # spec Dimension
    score: float
    target: float
    gap: float
    priority: float
    action: object  # spec Text
    kpis: list  # the firm's important KPIs this dimension serves, most relevant first


@dataclass
class Evidence:
    question: object  # spec Question
    score: float
    answer: object  # spec Text or str: the consensus answer in words


@dataclass
class UseCaseFit:
    use_case: object
    feasibility: float
    impact: float
    priority: float
    evidence: list


def gaps(spec, result):
    """Dimensions below target, most urgent first.

    priority = (target − score) × dimension weight × (1 + Σ KPI relevance × KPI importance):
    a gap counts more when it holds back a KPI the firm rated important.
    """
    ranked = []
    for dimension in spec.dimensions:
        score = result.dimensions.get(dimension.code)
        if score is None or score >= dimension.target:
            continue
        served = {
            k: r * result.kpi_importance.get(k, 0) for k, r in dimension.kpi_relevance.items()
        }
        factor = 1 + sum(served.values())
        action = next((a.text for a in dimension.actions if score < a.below), None)
        ranked.append(
            Gap(
                dimension=dimension,
                score=score,
                target=dimension.target,
                gap=round(dimension.target - score, 1),
                priority=round((dimension.target - score) * dimension.weight * factor, 1),
                action=action,
                kpis=[k for k, v in sorted(served.items(), key=lambda kv: -kv[1]) if v >= 0.3],
            )
        )
    return sorted(ranked, key=lambda g: (-g.priority, g.dimension.code))


def use_case_fits(spec, result, answer_sets=()):
    """Every use case, scored for feasibility (the answers it needs) and impact (the KPIs it
    moves, weighted by how much the firm cares); best first. With the respondents'
    ``answer_sets``, the evidence shows the answers given, not only their scores."""
    fits = []
    for use_case in spec.use_cases:
        evidence, weighted, total = [], 0.0, 0.0
        for code, weight in use_case.feasibility:
            consensus = result.questions.get(code)
            if consensus is None or consensus.score is None:
                continue
            question = spec.questions[code]
            weighted += weight * consensus.score
            total += weight
            evidence.append(
                Evidence(
                    question=question,
                    score=round(100 * consensus.score),
                    answer=describe(question, consensus.score, [a.get(code) for a in answer_sets]),
                )
            )
        feasibility = round(100 * weighted / total, 1) if total else 0.0
        relevance = sum(use_case.impact_kpis.values())
        impact = round(
            100
            * sum(w * result.kpi_importance.get(k, 0) for k, w in use_case.impact_kpis.items())
            / relevance,
            1,
        )
        fits.append(
            UseCaseFit(
                use_case=use_case,
                feasibility=feasibility,
                impact=impact,
                priority=round(feasibility * impact / 100, 1),
                evidence=evidence,
            )
        )
    return sorted(fits, key=lambda f: (-f.priority, -f.feasibility, f.use_case.code))


def describe(question, score, values=()):
    """The consensus answer in words, for evidence lists: the statement chosen, the options
    most respondents ticked, the median number with its unit."""
    values = [v for v in values if v is not None and v is not NA]
    if question.kind == "ordinal":
        return question.levels[round(score * 5)]
    if question.kind == "ynp":
        return YNP_LABELS[min(YNP_SCORES, key=lambda choice: abs(YNP_SCORES[choice] - score))]
    if question.kind == "multi" and values:
        ticked = [
            o for o in question.options if 2 * sum(o.code in v for v in values) >= len(values)
        ]
        return ", ".join(str(o.text) for o in ticked) or _("none of these")
    if question.kind == "number" and values:
        median = statistics.median(float(v) for v in values)
        return f"{median:g} {question.unit}".strip() if question.unit else f"{median:g}"
    if question.kind == "adoption" and values:
        steps = {
            row.code: round(statistics.median(int(v.get(row.code, 0)) for v in values))
            for row in question.rows
        }
        used = [
            f"{row.text}: {ADOPTION_LABELS[steps[row.code]]}"
            for row in question.rows
            if steps[row.code]
        ]
        return ", ".join(used) or str(ADOPTION_LABELS[0])
    return _("%(score)s points of 100") % {"score": round(100 * score)}
