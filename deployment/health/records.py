"""The answers kept for labels (``PredictionRecord``), written in bulk by hand.

The model-health flush writes one row per answered request that carried an id: tens of
thousands a minute on a busy endpoint, in the serving process, beside its event loop.
``bulk_create`` builds a model instance per row and compiles an INSERT naming every field of
every row, about 50 µs a row, all of it holding the GIL. Here the statement is compiled once
and run with plain tuples, a block at a time, each block in its own transaction (one commit,
as ``bulk_create``'s one statement had). An id the endpoint already answered is skipped with
the backend's own conflict clause, as ``bulk_create(ignore_conflicts=True)`` skips it: the
first answer under an id is the one kept."""

import functools

from django.db import connection, transaction
from django.db.models.constants import OnConflict

# What a flush knows of each answer, in this order; the label columns start empty.
GIVEN = ("endpoint", "request_id", "at", "predicted", "predicted_value", "score", "row")
COLUMNS = (*GIVEN, "label", "label_value", "labelled_at")
EMPTY_LABEL = ("", None, None)
BLOCK = 250


@functools.cache
def insert_statement(vendor):
    """The INSERT for ``COLUMNS``, ignoring rows whose (endpoint, request id) exists."""
    from deployment.models import PredictionRecord

    meta = PredictionRecord._meta
    fields = [meta.get_field(name) for name in COLUMNS]
    ops = connection.ops
    columns = ", ".join(ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    suffix = ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    into = ops.insert_statement(on_conflict=OnConflict.IGNORE)
    return f"{into} {ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks}) {suffix}".strip()


def insert_predictions(rows, pause):
    """Write ``rows`` (tuples in ``GIVEN``'s order: the endpoint's id, the request id, an aware
    datetime, the answer as text, as a number or None, the score or None, the input row or
    None); ``pause()`` runs between blocks (the flush hands the GIL to the loop there)."""
    from deployment.models import PredictionRecord

    sql = insert_statement(connection.vendor)
    at, row = PredictionRecord._meta.get_field("at"), PredictionRecord._meta.get_field("row")
    for start in range(0, len(rows), BLOCK):
        block = [
            (
                endpoint_id,
                request_id,
                at.get_db_prep_save(moment, connection),
                predicted,
                predicted_value,
                score,
                row.get_db_prep_save(values, connection),
                *EMPTY_LABEL,
            )
            for endpoint_id, request_id, moment, predicted, predicted_value, score, values in rows[
                start : start + BLOCK
            ]
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, block)
        pause()
