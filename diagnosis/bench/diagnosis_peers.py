"""The ways ``bench-diagnosis`` compares OneStop's cohort summaries with, each answering the
same question (the standing of one company among its peers) from the score rows themselves.

- ``rows_aggregate``: what OneStop did before the summaries: count each cohort's companies with
  an index range scan, widen until one has five, then one grouped aggregate over that cohort's
  rows (rank with CASE, median with ``percentile_cont``). Its cost grows with the cohort.
- ``in_python``: the straightforward way: load the peers' overall scores with their cohort
  keys, pick the cohort in Python, load that cohort's dimension scores and rank in Python.
"""

import statistics

from django.db.models import Aggregate, Case, Count, FloatField, IntegerField, Sum, Value, When

from diagnosis.models import CohortScore
from diagnosis.questionnaire.peers import COHORT_LEVELS, COHORT_MIN


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(f) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def rows_aggregate(company, code, scores):
    """(cohort keys or None, {dimension: (n, percentile, median)})."""
    peers = CohortScore.objects.filter(questionnaire_code=code).exclude(company=company)
    overall = peers.filter(dimension=CohortScore.OVERALL)
    for keys in COHORT_LEVELS:
        cohort = {k: getattr(company, k) for k in keys}
        if overall.filter(**cohort).count() >= COHORT_MIN:
            break
    else:
        return None, {}
    below = Sum(
        Case(
            *[When(dimension=d, score__lt=s, then=Value(2)) for d, s in scores.items()],
            *[When(dimension=d, score=s, then=Value(1)) for d, s in scores.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    rows = (
        peers.filter(**cohort, dimension__in=list(scores))
        .values("dimension")
        .annotate(n=Count("*"), below2=below, median=PercentileCont("score", 0.5))
    )
    return keys, {
        row["dimension"]: (
            row["n"],
            round(50 * row["below2"] / row["n"], 1),
            round(row["median"], 1),
        )
        for row in rows
        if row["n"] >= COHORT_MIN
    }


def in_python(company, code, scores):
    """{dimension: (n, percentile, median)} ranked in Python."""
    peers = CohortScore.objects.filter(questionnaire_code=code).exclude(company=company)
    everyone = list(
        peers.filter(dimension=CohortScore.OVERALL).values_list(
            "ksic_section", "employee_band", "region"
        )
    )
    mine = (company.ksic_section, company.employee_band, company.region)
    for keys in COHORT_LEVELS:
        width = len(keys)
        if sum(row[:width] == mine[:width] for row in everyone) >= COHORT_MIN:
            break
    else:
        return {}
    values = {}
    rows = peers.filter(**{k: getattr(company, k) for k in keys}).values_list("dimension", "score")
    for dimension, score in rows:
        values.setdefault(dimension, []).append(score)
    return {
        d: (
            len(v),
            round(50 * sum(2 if s < scores[d] else s == scores[d] for s in v) / len(v), 1),
            round(statistics.median(v), 1),
        )
        for d, v in values.items()
        if d in scores and len(v) >= COHORT_MIN
    }
