"""Rank every (model version, compute pool) pair for one company, then explain the best.

Scores are computed with numpy over plain columns (flavor bits, latency, claimed score;
``diagnosis.matching.catalog``), ten thousand versions at a time, so ranking a hundred
thousand versions against twenty pools stays under a second in the memory of one block;
reasons in words are written only for the pairs shown. A company's choice is checked by
scoring that one pair by the same rules (`match_for`)."""

from dataclasses import dataclass, field

import numpy as np

from deployment.models import ComputePool, ModelFamily, ModelVersion
from deployment.models.compute import FLAVOR_BITS, FLAVOR_SPECS
from diagnosis.matching.catalog import catalog_blocks, input_fits
from diagnosis.matching.columns import auto_map
from diagnosis.models import (
    Assessment,
    ColumnMapping,
    DataEvaluation,
    JobStatus,
    MatchingNeeds,
    MatchingPolicy,
)

HOURS_PER_MONTH = 730
PEAK_FACTOR = 4  # the busiest hour carries four times the average load
TARGET_UTILISATION = 0.5  # headroom, so a burst does not queue
UNKNOWN_LATENCY_MS = 100.0
CLAIM_DISCOUNT = 0.6  # a vendor's claim counts for less than a measurement on the company's data
NO_CLAIM_SCORE = 0.2
POLICY_FIT = {"npu": 1.0, "cpu": 0.5, "gpu": 0.2}
BLOCK = 10_000  # versions scored at once: a ranking's memory is a block's, not the catalog's


@dataclass
class Context:
    company: object
    needs: object
    weights: dict
    use_cases: dict  # roadmap use-case code → 0..1
    has_diagnosis: bool
    data_check: object  # latest profiled DataCheck or None
    columns: list
    evaluations: dict  # version id → DataEvaluation
    corrections: dict  # version id → {input key: column}


@dataclass
class Match:
    version: object
    pool: object
    total: float
    parts: dict
    latency_ms: float
    units: int
    monthly_cost: int
    reasons: dict = field(default_factory=dict)
    mapping: object = None
    funding: str | None = None  # set by diagnosis.matching.funding.mark_funding
    instead: object = None  # what would work when nothing pays for this match


def context_for(company):
    from diagnosis.questionnaire.roadmap import use_case_fits
    from diagnosis.services.datachecks import latest_ready_check

    needs = MatchingNeeds.objects.filter(company=company).first() or MatchingNeeds(company=company)
    assessment = Assessment.objects.latest_submitted(company)
    use_cases = {}
    # The full diagnosis when one is submitted, else the quick start's screening.
    scored = assessment.result if assessment is not None else screening_of(company)
    if scored is not None:
        from diagnosis.questionnaire.report import result_from_snapshot

        spec = (assessment or scored).questionnaire.spec
        fits = use_case_fits(spec, result_from_snapshot(scored))
        products = {f.use_case.code: f.feasibility * f.impact for f in fits}
        top = max(products.values(), default=0) or 1
        use_cases = {code: value / top for code, value in products.items()}
    check = latest_ready_check(company)
    evaluations = {}
    for evaluation in DataEvaluation.objects.filter(
        company=company, status=JobStatus.READY
    ).order_by("created_at"):
        evaluations[evaluation.version_id] = evaluation
    return Context(
        company=company,
        needs=needs,
        weights=MatchingPolicy.current().weights(),
        use_cases=use_cases,
        has_diagnosis=scored is not None,
        data_check=check,
        columns=check.columns if check else [],
        evaluations=evaluations,
        corrections={
            m.version_id: m.corrections for m in ColumnMapping.objects.filter(company=company)
        },
    )


def screening_of(company):
    from diagnosis.models import Screening

    return Screening.objects.filter(company=company).select_related("questionnaire").first()


def candidate_pools(context, **filters):
    pools = ComputePool.objects.reporting().exclude(purpose=ComputePool.Purpose.TRAINING)
    if context.needs.data_in_korea:
        pools = pools.exclude(region="overseas")
    return list(pools.filter(**filters).select_related("provider").order_by("pk"))


@dataclass
class Scores:
    """Every (version row, pool) pair scored at once. A pair whose pool's flavor the version
    does not run on has a total of minus infinity: it is never offered."""

    ids: np.ndarray  # the version id of each row
    pools: list
    by_version: dict  # part → one value per version row
    by_pool: dict  # part → one value per pool
    by_pair: dict  # part → rows × pools
    total: np.ndarray  # rows × pools, 0..1
    latency: np.ndarray  # rows × pools, estimated milliseconds
    units: np.ndarray
    monthly: np.ndarray

    def match(self, v, p, version):
        parts = {
            **{name: values[v] for name, values in self.by_version.items()},
            **{name: values[p] for name, values in self.by_pool.items()},
            **{name: values[v, p] for name, values in self.by_pair.items()},
        }
        return Match(
            version=version,
            pool=self.pools[p],
            total=round(float(self.total[v, p]) * 100, 1),
            parts={name: round(float(parts[name]) * 100) for name in PARTS},
            latency_ms=float(self.latency[v, p]),
            units=int(self.units[v, p]),
            monthly_cost=round(self.monthly[v, p]),
        )


PARTS = ("use_case", "industry", "inputs", "accuracy", "accelerator", "policy", "cost")


def score(context, catalog, pools, shares=None):
    """The matching rules, for every pair of the catalog's versions and ``pools``
    (``shares``: the inputs fits already mapped, see ``input_fits``)."""
    ids, use_case, industry, masks = catalog.ids, catalog.use_case, catalog.industry, catalog.masks
    latency = np.where(np.isnan(catalog.latency), UNKNOWN_LATENCY_MS, catalog.latency)
    accuracy = np.where(np.isnan(catalog.claimed), NO_CLAIM_SCORE, catalog.claimed * CLAIM_DISCOUNT)
    for version_id, evaluation in context.evaluations.items():
        row = catalog.position(version_id)
        if row is not None and evaluation.score is not None:
            accuracy[row] = evaluation.score  # a measurement on the company's data wins
    inputs = input_fits(context, catalog, {} if shares is None else shares)

    bits = np.array([FLAVOR_BITS[p.flavor] for p in pools], dtype=np.int64)
    speedup = np.array([FLAVOR_SPECS[p.flavor]["speedup"] for p in pools])
    price = np.array([float(p.price_per_unit_hour) for p in pools])
    policy = np.array([POLICY_FIT[p.kind] if p.kind != "npu" or p.domestic else 0.5 for p in pools])

    needs = context.needs
    fits = (masks[:, None] & bits[None, :]) != 0
    est_latency = latency[:, None] / speedup[None, :]
    accelerator = np.where(est_latency <= needs.latency_ms, 1.0, needs.latency_ms / est_latency)
    peak_rps = needs.requests_per_day / 86400 * PEAK_FACTOR
    units = np.maximum(1, np.ceil(peak_rps * est_latency / 1000 / TARGET_UTILISATION))
    monthly = units * price[None, :] * HOURS_PER_MONTH
    budget = float(needs.monthly_budget_krw)
    with np.errstate(divide="ignore", invalid="ignore"):
        cost = np.where(
            monthly <= budget,
            1 - 0.5 * np.divide(monthly, budget, out=np.zeros_like(monthly), where=budget > 0),
            0.5 * budget / monthly,
        )
    w = context.weights
    total_weight = sum(w.values()) or 1
    total = (
        w["use_case"] * use_case[:, None]
        + w["industry"] * industry[:, None]
        + w["inputs"] * inputs[:, None]
        + w["accuracy"] * accuracy[:, None]
        + w["accelerator"] * accelerator
        + w["policy"] * policy[None, :]
        + w["cost"] * cost
    ) / total_weight
    return Scores(
        ids=ids,
        pools=pools,
        by_version={
            "use_case": use_case,
            "industry": industry,
            "inputs": inputs,
            "accuracy": accuracy,
        },
        by_pool={"policy": policy},
        by_pair={"accelerator": accelerator, "cost": cost},
        total=np.where(fits, total, -np.inf),
        latency=est_latency,
        units=units,
        monthly=monthly,
    )


def rank(company, limit=20, context=None):
    """The ``limit`` best pairs, best first; a tie goes to the lower version id, then the
    earlier pool, so a list never reshuffles. The catalog is scored a block at a time, and
    each block's best are kept: the best of the blocks' best are the best of all."""
    context = context or context_for(company)
    pools = candidate_pools(context)
    if not pools:
        return []
    best, shares = [], {}
    for catalog in catalog_blocks(context, BLOCK):
        scores = score(context, catalog, pools, shares)
        best = sorted(best + block_best(scores, limit), key=lambda pick: pick[0])[:limit]
    versions = ModelVersion.objects.select_related("family", "family__vendor").in_bulk(
        [match.version for _key, match in best]
    )
    matches = []
    for _key, match in best:
        match.version = versions[match.version]
        explain(match, context)
        matches.append(match)
    return matches


def block_best(scores, limit):
    """[(sort key, match with the version id in place of the version)] for the block's best
    ``limit`` pairs. Rows are in version-id order, so the position of a pair in the block
    breaks ties as the version id, then the pool, do."""
    flat = scores.total.ravel()
    count = min(limit, int(np.isfinite(flat).sum()))
    if count == 0:
        return []
    threshold = np.partition(flat, flat.size - count)[flat.size - count]
    tied = np.flatnonzero(flat >= threshold)
    picks = []
    for i in tied[np.lexsort((tied, -flat[tied]))][:count].tolist():
        v, p = divmod(i, len(scores.pools))
        version_id = int(scores.ids[v])
        picks.append(((-float(flat[i]), version_id, p), scores.match(v, p, version_id)))
    return picks


def match_for(company, *, version_id, pool_id, context=None):
    """The one pair `rank` would score for this version on this pool, or None where ranking
    never offers it: the version unpublished or not visible to the company, the pool silent,
    for training or abroad when the data must stay in Korea, or its flavor not one the version
    runs on."""
    context = context or context_for(company)
    pools = candidate_pools(context, pk=pool_id)
    family = ModelFamily.objects.filter(versions__pk=version_id)
    catalog = next(catalog_blocks(context, 1, family, pk=version_id), None)
    if catalog is None or not pools:
        return None
    scores = score(context, catalog, pools)
    if not np.isfinite(scores.total[0, 0]):
        return None
    version = ModelVersion.objects.select_related("family", "family__vendor").get(pk=version_id)
    match = scores.match(0, 0, version)
    explain(match, context)
    return match


def explain(match, context):
    from diagnosis.matching.words import reasons

    if context.columns and match.version.input_columns:
        match.mapping = auto_map(
            match.version.input_columns, context.columns, context.corrections.get(match.version.pk)
        )
    match.reasons = reasons(match, context)
