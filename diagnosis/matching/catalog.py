"""The catalog as plain columns for scoring: every visible family's fit to the company, and
every published version's flavors, latency, claim and inputs, as numpy arrays in version-id
order.

Two queries, each fetched at once: at a hundred thousand versions, reading rows through the
ORM a hundred at a time, with a converter per value, would cost more than the scoring."""

import json
from dataclasses import dataclass

import numpy as np
from django.db import connection

from deployment.models import ModelFamily, ModelVersion
from diagnosis.matching.columns import auto_map

NO_DIAGNOSIS_FIT = 0.5
NO_DATA_FIT = 0.5
UNDESCRIBED_INPUTS_FIT = 0.3
NO_INDUSTRY_FIT = 0.6  # a family that names no industry fits every one, a little


@dataclass
class Catalog:
    ids: np.ndarray  # version ids, ascending
    use_case: np.ndarray  # 0..1 per version: its family's fit to the company's use cases
    industry: np.ndarray
    masks: np.ndarray  # flavor bits
    latency: np.ndarray  # milliseconds for one row; nan where unmeasured
    claimed: np.ndarray  # the vendor's claimed score; nan where none
    key_codes: np.ndarray  # index into keys: the version's inputs fingerprint
    keys: list

    def __len__(self):
        return len(self.ids)

    def position(self, version_id):
        """The row of a version, or None where it is not in the catalog."""
        index = int(np.searchsorted(self.ids, version_id))
        return index if index < len(self.ids) and self.ids[index] == version_id else None


def catalog_blocks(context, size, families=None, **version_filters):
    """The published versions of the families visible to the company (``families``: a
    narrower queryset of them), as columns, ``size`` versions at a time in id order: a
    ranking then holds one block, however large the catalog grows."""
    families = families if families is not None else ModelFamily.objects.all()
    families = families.visible_to_company(context.company)
    fits = family_fits(context, families)
    family_pks = sorted(fits)
    use_case = np.array([fits[pk][0] for pk in family_pks])
    industry = np.array([fits[pk][1] for pk in family_pks])
    versions = (
        ModelVersion.objects.published()
        .filter(family__in=families.values("pk"), **version_filters)
        .order_by("pk")
        .values_list(
            "pk", "family_id", "flavor_mask", "latency_b1_ms", "claimed_score", "inputs_key"
        )
    )
    after = 0
    while rows := fetch(versions.filter(pk__gt=after)[:size]):
        # Column by column: transposing with zip(*rows) costs several times more here (the
        # garbage collector walks every object the process holds while the tuples pile up).
        at = np.searchsorted(family_pks, [row[1] for row in rows])
        index = {}
        yield Catalog(
            ids=np.array([row[0] for row in rows]),
            use_case=use_case[at],
            industry=industry[at],
            masks=np.array([row[2] for row in rows], dtype=np.int64),
            latency=np.array([row[3] for row in rows], dtype=float),  # None becomes nan
            claimed=np.array([row[4] for row in rows], dtype=float),
            key_codes=np.array([index.setdefault(row[5], len(index)) for row in rows]),
            keys=list(index),
        )
        if len(rows) < size:
            return
        after = rows[-1][0]


def family_fits(context, families):
    """{family id: (use-case fit, industry fit)}."""
    company = context.company
    section = company.ksic_section or ""
    division = f"{section}{company.ksic_division}"
    fits = {}
    for pk, use_cases, industries in fetch(families.values_list("pk", "use_cases", "industries")):
        use_cases, industries = _json(use_cases), _json(industries)
        if context.has_diagnosis:
            use_case = max(
                (context.use_cases.get(code, 0.0) for code in use_cases or []), default=0.0
            )
        else:
            use_case = NO_DIAGNOSIS_FIT
        if not industries:
            industry = NO_INDUSTRY_FIT
        elif division in industries or section in industries:
            industry = 1.0
        else:
            industry = 0.0
        fits[pk] = (use_case, industry)
    return fits


def input_fits(context, catalog, shares):
    """Per version: the share of its inputs found among the company's columns. Versions with
    the same inputs fingerprint describe the same inputs, so each fingerprint is mapped once
    (``shares``: fingerprint → share, kept across a ranking's blocks)."""
    if not context.columns:
        return np.full(len(catalog), NO_DATA_FIT)
    _codes, first = np.unique(catalog.key_codes, return_index=True)
    new = [int(catalog.ids[i]) for i in first if catalog.keys[catalog.key_codes[i]] not in shares]
    for key, inputs in ModelVersion.objects.filter(pk__in=new).values_list(
        "inputs_key", "input_columns"
    ):
        shares[key] = auto_map(inputs, context.columns).share if inputs else None
    fits = np.array(
        [UNDESCRIBED_INPUTS_FIT if shares.get(key) is None else shares[key] for key in catalog.keys]
    )[catalog.key_codes]
    if context.corrections:
        corrected = ModelVersion.objects.filter(pk__in=context.corrections).values_list(
            "pk", "input_columns"
        )
        for pk, inputs in corrected:
            row = catalog.position(pk)
            if row is not None and inputs:
                fits[row] = auto_map(inputs, context.columns, context.corrections[pk]).share
    return fits


def fetch(queryset):
    """A values_list queryset's rows, fetched at once."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(value):
    """A JSON column as fetched raw: text on both databases."""
    return json.loads(value) if isinstance(value, str) else value
