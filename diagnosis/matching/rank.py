"""Rank every (model version, compute pool) pair for one company, then explain the best.

Scores for the whole catalog are computed at once with numpy over plain columns (flavor bits,
latency, claimed score), so ranking ten thousand versions against twenty pools stays well
under a fifth of a second; reasons in words are written only for the pairs shown. A company's
choice is checked by scoring that one pair by the same rules (`match_for`)."""

from dataclasses import dataclass, field

import numpy as np

from deployment.models import ComputePool, ModelFamily, ModelVersion
from deployment.models.compute import FLAVOR_BITS, FLAVOR_SPECS
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
NO_DIAGNOSIS_FIT = 0.5
NO_DATA_FIT = 0.5
UNDESCRIBED_INPUTS_FIT = 0.3
POLICY_FIT = {"npu": 1.0, "cpu": 0.5, "gpu": 0.2}


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


def family_fits(context, **filters):
    """Per visible family: (task, use-case fit, industry fit)."""
    company = context.company
    section = company.ksic_section or ""
    division = f"{section}{company.ksic_division}"
    fits = {}
    for pk, task, use_cases, industries in (
        ModelFamily.objects.visible_to_company(company)
        .filter(**filters)
        .values_list("pk", "task", "use_cases", "industries")
    ):
        if context.has_diagnosis:
            use_case = max(
                (context.use_cases.get(code, 0.0) for code in use_cases or []), default=0.0
            )
        else:
            use_case = NO_DIAGNOSIS_FIT
        if not industries:
            industry = 0.6
        elif division in industries or section in industries:
            industry = 1.0
        else:
            industry = 0.0
        fits[pk] = (task, use_case, industry)
    return fits


def version_rows(families, **filters):
    """The published versions of these families, as plain columns for scoring."""
    return list(
        ModelVersion.objects.published()
        .filter(family_id__in=families.keys(), **filters)
        .values_list(
            "pk", "family_id", "flavor_mask", "latency_b1_ms", "claimed_score", "inputs_key"
        )
    )


def input_fits(context, rows):
    """Per version: the share of its inputs found among the company's columns."""
    if not context.columns:
        return {row[0]: NO_DATA_FIT for row in rows}
    first_by_key = {}
    for pk, _family, _mask, _lat, _claim, key in rows:
        first_by_key.setdefault(key, pk)
    inputs_of = dict(
        ModelVersion.objects.filter(pk__in=first_by_key.values()).values_list(
            "inputs_key", "input_columns"
        )
    )
    share_by_key = {
        key: auto_map(inputs, context.columns).share if inputs else UNDESCRIBED_INPUTS_FIT
        for key, inputs in inputs_of.items()
    }
    fits = {pk: share_by_key.get(key, UNDESCRIBED_INPUTS_FIT) for pk, *_rest, key in rows}
    if context.corrections:
        corrected = ModelVersion.objects.filter(pk__in=context.corrections).values_list(
            "pk", "input_columns"
        )
        for pk, inputs in corrected:
            if pk in fits and inputs:
                fits[pk] = auto_map(inputs, context.columns, context.corrections[pk]).share
    return fits


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


def score(context, families, rows, pools):
    """The matching rules, for every pair of `rows` (from version_rows) and `pools`."""
    ids = np.array([r[0] for r in rows])
    use_case = np.array([families[r[1]][1] for r in rows])
    industry = np.array([families[r[1]][2] for r in rows])
    masks = np.array([r[2] for r in rows], dtype=np.int64)
    latency = np.array([r[3] if r[3] is not None else UNKNOWN_LATENCY_MS for r in rows])
    accuracy = np.array(
        [
            context.evaluations[r[0]].score
            if r[0] in context.evaluations and context.evaluations[r[0]].score is not None
            else (r[4] * CLAIM_DISCOUNT if r[4] is not None else NO_CLAIM_SCORE)
            for r in rows
        ]
    )
    inputs_of = input_fits(context, rows)
    inputs = np.array([inputs_of[r[0]] for r in rows])

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
    context = context or context_for(company)
    pools = candidate_pools(context)
    families = family_fits(context)
    rows = version_rows(families)
    if not rows or not pools:
        return []
    scores = score(context, families, rows, pools)
    flat = scores.total.ravel()
    count = min(limit, int(np.isfinite(flat).sum()))
    if count == 0:
        return []
    best = np.argpartition(-flat, count - 1)[:count]
    best = best[np.argsort(-flat[best], kind="stable")]
    chosen = [(int(i) // len(pools), int(i) % len(pools)) for i in best]
    versions = ModelVersion.objects.select_related("family", "family__vendor").in_bulk(
        [int(scores.ids[v]) for v, _p in chosen]
    )
    matches = []
    for v, p in chosen:
        match = scores.match(v, p, versions[int(scores.ids[v])])
        explain(match, context)
        matches.append(match)
    return matches


def match_for(company, *, version_id, pool_id, context=None):
    """The one pair `rank` would score for this version on this pool, or None where ranking
    never offers it: the version unpublished or not visible to the company, the pool silent,
    for training or abroad when the data must stay in Korea, or its flavor not one the version
    runs on."""
    context = context or context_for(company)
    pools = candidate_pools(context, pk=pool_id)
    families = family_fits(context, versions__pk=version_id)
    rows = version_rows(families, pk=version_id)
    if not rows or not pools:
        return None
    scores = score(context, families, rows, pools)
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
