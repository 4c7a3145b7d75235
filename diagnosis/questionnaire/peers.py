"""Peer benchmark: where a company stands among companies like it.

Cohorts narrow by industry (KSIC section), size band and region. The narrowest cohort with at
least ``COHORT_MIN`` other companies is used; a smaller one is never shown, because a handful of
firms would be identifiable and their median meaningless. Every figure comes from submitted
assessments in the database, with its n.
"""

import statistics
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Case, Count, FloatField, IntegerField, Sum, Value, When

from diagnosis.models import CohortScore

COHORT_MIN = 5
# Narrowest first. Each entry: the cohort keys it filters on.
COHORT_LEVELS = (
    ("ksic_section", "employee_band", "region"),
    ("ksic_section", "employee_band"),
    ("ksic_section",),
    (),
)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(f) WITHIN GROUP (ORDER BY expr)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass
class DimensionStanding:
    dimension: str
    n: int
    percentile: float  # share of peers scoring below, ties counted half, 0..100
    median: float


@dataclass
class Benchmark:
    keys: tuple  # the cohort keys used, () for all companies; None when no cohort is shown
    n: int
    narrowest_n: int
    fell_back: bool
    standings: dict = field(default_factory=dict)  # dimension → DimensionStanding

    @property
    def shown(self):
        return self.keys is not None


def peer_benchmark(*, company, questionnaire_code, scores):
    """Standing of ``scores`` ({dimension: score}, "overall" included) among other companies'
    latest submitted assessments.

    1. Count the narrowest cohort's companies; widen until one has ``COHORT_MIN`` (each count
       is an index range scan, and most companies stop at the first).
    2. One grouped query gives every dimension's n, rank and median in that cohort.
    """
    peers = CohortScore.objects.filter(questionnaire_code=questionnaire_code).exclude(
        company=company
    )
    overall = peers.filter(dimension=CohortScore.OVERALL)
    company_keys = {
        "ksic_section": company.ksic_section,
        "employee_band": company.employee_band,
        "region": company.region,
    }
    sizes = []
    for keys in COHORT_LEVELS:
        sizes.append(overall.filter(**{k: company_keys[k] for k in keys}).count())
        if sizes[-1] >= COHORT_MIN:
            break
    else:
        return Benchmark(keys=None, n=sizes[-1], narrowest_n=sizes[0], fell_back=True)
    chosen = len(sizes) - 1
    keys = COHORT_LEVELS[chosen]
    cohort = peers.filter(**{k: company_keys[k] for k in keys})
    standings = _standings(cohort, {d: s for d, s in scores.items() if s is not None})
    return Benchmark(
        keys=keys, n=sizes[chosen], narrowest_n=sizes[0], fell_back=chosen > 0, standings=standings
    )


def _standings(cohort, scores):
    below = Sum(
        Case(
            *[When(dimension=d, score__lt=s, then=Value(2)) for d, s in scores.items()],
            *[When(dimension=d, score=s, then=Value(1)) for d, s in scores.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
    )
    rows = cohort.filter(dimension__in=list(scores)).values("dimension")
    if connection.vendor == "postgresql":
        rows = rows.annotate(n=Count("*"), below2=below, median=PercentileCont("score", 0.5))
        medians = None
    else:
        rows = rows.annotate(n=Count("*"), below2=below)
        medians = _medians_in_python(cohort, scores)
    standings = {}
    for row in rows:
        if row["n"] < COHORT_MIN:
            continue  # too few peers answered this dimension (N/A): not shown, like a cohort
        dimension = row["dimension"]
        median = row["median"] if medians is None else medians[dimension]
        standings[dimension] = DimensionStanding(
            dimension=dimension,
            n=row["n"],
            percentile=round(50 * row["below2"] / row["n"], 1),
            median=round(median, 1),
        )
    return standings


def _medians_in_python(cohort, scores):
    """SQLite has no percentile aggregate; its databases are small (one machine)."""
    values = {}
    for dimension, score in cohort.filter(dimension__in=list(scores)).values_list(
        "dimension", "score"
    ):
        values.setdefault(dimension, []).append(score)
    return {d: statistics.median(v) for d, v in values.items()}
