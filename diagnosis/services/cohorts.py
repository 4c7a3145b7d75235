"""Cohort summaries: the peer benchmark's counts, kept equal to a recount of ``CohortScore``.

Every change to a company's entry in the benchmark moves one company between buckets in each
of the four cohorts it belongs to (industry + size + region, industry + size, industry, all).
The moves are applied as increments in one statement (an upsert adding to ``count``), so two
submissions touching the same buckets both count: on PostgreSQL the second waits for the
first's row lock, then adds to what it committed. Rows go in key order, so two submissions
lock the buckets they share in the same order and never deadlock.
"""

from collections import Counter

from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Floor

from diagnosis.models import CohortScore, CohortSummary
from diagnosis.models.peers import COHORT_KEYS, bucket_of

WIDTHS = tuple(range(len(COHORT_KEYS), -1, -1))  # 3, 2, 1, 0
SUMMARY_KEY = (
    "questionnaire_code",
    "dimension",
    "width",
    *COHORT_KEYS,
    "bucket",
)


def cohort_of(keys, width):
    """The summary keys of the width-``width`` cohort of a company with cohort ``keys``."""
    return tuple(keys[:width]) + ("",) * (len(COHORT_KEYS) - width)


def summary_moves(scores, sign):
    """{summary key: ±count} for CohortScore rows entering (+1) or leaving (−1) the
    benchmark."""
    moves = Counter()
    for row in scores:
        keys = tuple(getattr(row, k) for k in COHORT_KEYS)
        bucket = bucket_of(row.score)
        for width in WIDTHS:
            moves[
                (row.questionnaire_code, row.dimension, width, *cohort_of(keys, width), bucket)
            ] += sign
    return moves


def cohort_summaries_change(*, removed=(), added=()):
    """Apply the moves of ``removed`` and ``added`` CohortScore rows, in the caller's
    transaction, as one upsert of increments."""
    moves = summary_moves(removed, -1)
    moves.update(summary_moves(added, +1))
    rows = sorted((key, n) for key, n in moves.items() if n)
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(CohortSummary._meta.db_table)
    columns = ", ".join(quote(c) for c in (*SUMMARY_KEY, "count"))
    values = ", ".join(["(" + ", ".join(["%s"] * (len(SUMMARY_KEY) + 1)) + ")"] * len(rows))
    count = quote("count")
    # Only the model's own quoted names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({', '.join(quote(c) for c in SUMMARY_KEY)}) "
        f"DO UPDATE SET {count} = {table}.{count} + EXCLUDED.{count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for key, n in rows for value in (*key, n)])


def cohort_scores_remove(**filters):
    """Take CohortScore rows out of the benchmark, and their counts out of the summaries."""
    scores = CohortScore.objects.filter(**filters)
    leaving = list(scores.select_for_update())
    if leaving:
        scores.filter(pk__in=[row.pk for row in leaving]).delete()
        cohort_summaries_change(removed=leaving)


def assessment_deleting(sender, instance, **kwargs):
    """pre_delete of an Assessment (alone, or with its company): its benchmark entry leaves
    the summaries before the cascade deletes the rows behind their back."""
    cohort_scores_remove(assessment_id=instance.pk)


def cohort_summary_recount(scores=None):
    """{summary key: count} recounted from CohortScore rows (all, or the queryset
    ``scores``): one grouped query for the narrowest cohorts, widened in Python. The bucket is
    ``bucket_of`` in SQL."""
    scores = CohortScore.objects.all() if scores is None else scores
    narrowest = (
        scores.annotate(bucket=Floor(F("score") * 100 + 0.5))
        .values("questionnaire_code", "dimension", *COHORT_KEYS, "bucket")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts = Counter()
    for row in narrowest.iterator(chunk_size=10_000):
        keys = tuple(row[k] for k in COHORT_KEYS)
        for width in WIDTHS:
            key = (row["questionnaire_code"], row["dimension"], width, *cohort_of(keys, width))
            counts[(*key, int(row["bucket"]))] += row["n"]
    return counts


def cohort_summary_counts(summaries=None):
    """{summary key: count} as stored, leaving out buckets that emptied."""
    summaries = CohortSummary.objects.all() if summaries is None else summaries
    return {
        tuple(row[:-1]): row[-1]
        for row in summaries.filter(count__gt=0).values_list(*SUMMARY_KEY, "count")
    }


def cohort_summaries_rebuild(*, score_model=CohortScore, summary_model=CohortSummary):
    """Replace every summary with a recount of CohortScore (``rebuild_cohort_summaries`` and
    the migration that adds the summaries run it). On PostgreSQL the scores are locked against
    writes meanwhile, so no submission falls between the recount and the replacement."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {score_model._meta.db_table} IN SHARE MODE")
        counts = cohort_summary_recount(score_model.objects.all())
        summary_model.objects.all().delete()
        summary_model.objects.bulk_create(
            (
                summary_model(**dict(zip(SUMMARY_KEY, key, strict=True)), count=n)
                for key, n in counts.items()
            ),
            batch_size=5000,
        )
    return len(counts)
