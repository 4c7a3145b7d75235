"""Peer benchmark: where a company stands among companies like it.

Cohorts narrow by industry (KSIC section), size band and region. The narrowest cohort with at
least ``COHORT_MIN`` other companies is used; a smaller one is never shown, because a handful of
firms would be identifiable and their median meaningless. Every figure comes from submitted
assessments in the database, with its n.

Figures are read from the cohort summaries (``CohortSummary``: companies per score bucket of
0.01 point, per dimension and cohort), kept current at each submission, so a cohort of a
million companies costs what a cohort of ten does. Scores are stored rounded to 0.01, so the
percentiles and medians are the ones the scores themselves give.
"""

from dataclasses import dataclass, field

from django.db.models import Q, Sum

from diagnosis.models import CohortScore, CohortSummary
from diagnosis.models.peers import COHORT_KEYS, bucket_of
from diagnosis.services.cohorts import cohort_of

COHORT_MIN = 5
# Narrowest first. Each entry: the cohort keys it filters on.
COHORT_LEVELS = tuple(COHORT_KEYS[:width] for width in range(len(COHORT_KEYS), -1, -1))


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

    1. Read the company's own entry, which is left out of every count.
    2. One query sums each cohort's companies (its "overall" buckets); take the narrowest with
       ``COHORT_MIN`` others.
    3. One query reads that cohort's buckets for the dimensions asked; rank and median follow
       from the counts.
    """
    keys = tuple(getattr(company, k) for k in COHORT_KEYS)
    own = list(
        CohortScore.objects.filter(
            company=company, questionnaire_code=questionnaire_code
        ).values_list("dimension", "score", *COHORT_KEYS)
    )
    summaries = CohortSummary.objects.filter(questionnaire_code=questionnaire_code)
    in_cohort = {
        len(level): Q(
            width=len(level), **dict(zip(COHORT_KEYS, cohort_of(keys, len(level)), strict=True))
        )
        for level in COHORT_LEVELS
    }
    totals = dict(
        summaries.filter(dimension=CohortScore.OVERALL)
        .filter(_any(in_cohort.values()))
        .values("width")
        .annotate(n=Sum("count"))
        .values_list("width", "n")
    )
    sizes = []
    for level in COHORT_LEVELS:
        width = len(level)
        mine = sum(1 for d, _s, *k in own if d == CohortScore.OVERALL and _same(k, keys, width))
        sizes.append((totals.get(width) or 0) - mine)
        if sizes[-1] >= COHORT_MIN:
            break
    else:
        return Benchmark(keys=None, n=sizes[-1], narrowest_n=sizes[0], fell_back=True)
    chosen = len(sizes) - 1
    level = COHORT_LEVELS[chosen]
    width = len(level)
    asked = {d: s for d, s in scores.items() if s is not None}
    buckets = {}
    for dimension, bucket, count in summaries.filter(
        in_cohort[width], dimension__in=list(asked), count__gt=0
    ).values_list("dimension", "bucket", "count"):
        buckets.setdefault(dimension, {})[bucket] = count
    for dimension, score, *k in own:  # the company itself is no peer
        if dimension in buckets and _same(k, keys, width):
            counts = buckets[dimension]
            counts[bucket_of(score)] = counts.get(bucket_of(score), 0) - 1
    standings = {}
    for dimension, counts in buckets.items():
        standing = _standing(dimension, counts, bucket_of(asked[dimension]))
        if standing is not None:
            standings[dimension] = standing
    return Benchmark(
        keys=level, n=sizes[chosen], narrowest_n=sizes[0], fell_back=chosen > 0, standings=standings
    )


def _any(conditions):
    combined = Q()
    for condition in conditions:
        combined |= condition
    return combined


def _same(stored, keys, width):
    """Whether an entry filed under cohort keys ``stored`` counts in the company's cohort of
    this width (a company that has moved since it submitted may not)."""
    return tuple(stored[:width]) == tuple(keys[:width])


def _standing(dimension, counts, mine):
    """Rank and median of one dimension from its {bucket: companies}: the percentile counts
    ties half, the median interpolates between the middle two as PostgreSQL's
    ``percentile_cont(0.5)`` does."""
    n = sum(counts.values())
    if n < COHORT_MIN:
        return None  # too few peers answered this dimension (N/A): not shown, like a cohort
    below2 = sum(2 * c if b < mine else c for b, c in counts.items() if b <= mine)
    return DimensionStanding(
        dimension=dimension,
        n=n,
        percentile=round(50 * below2 / n, 1),
        median=round(_median(counts, n), 1),
    )


def _median(counts, n):
    low_rank, high_rank = (n - 1) // 2, n // 2
    low = high = None
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if low is None and seen > low_rank:
            low = bucket / 100
        if seen > high_rank:
            high = bucket / 100
            break
    return low + (high - low) * 0.5 if high_rank > low_rank else low
