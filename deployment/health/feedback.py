"""Ground truth that arrives later: a caller reports the true label of a request by the ``id``
it sent, or the owner uploads a CSV of ids and labels. A batch is taken whole or not at all,
so a caller never has to work out which half of it was kept."""

import csv
import io
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.health.observe import REQUEST_ID_MAX, number_of, text_of
from deployment.models import PredictionRecord

MAX_ITEMS = 10_000
LABEL_MAX = 64
CSV_MAX_BYTES = 2 * 1024 * 1024


class FeedbackError(ValueError):
    def __init__(self, message, status=400, unknown=()):
        super().__init__(message)
        self.status = status
        self.unknown = list(unknown)


def read_items(data):
    """[(id, label text, label number)] from one ``{"id", "label"}`` object or a list of them."""
    items = data if isinstance(data, list) else [data]
    if not items:
        raise FeedbackError(_('Send at least one {"id", "label"} object.'))
    if len(items) > MAX_ITEMS:
        raise FeedbackError(
            _("Send at most %(n)s labels at once.") % {"n": f"{MAX_ITEMS:,}"}, status=413
        )
    read = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FeedbackError(
                _("Item %(i)s must be an object with %(fields)s.")
                % {"i": index, "fields": "id, label"}
            )
        read.append(read_one(item.get("id"), item.get("label"), index))
    return read


def read_one(request_id, label, index):
    if not isinstance(request_id, str) or not request_id or len(request_id) > REQUEST_ID_MAX:
        raise FeedbackError(
            _("Item %(i)s: %(field)s must be the request's id, a string of 1 to %(n)s characters.")
            % {"i": index, "field": "'id'", "n": REQUEST_ID_MAX}
        )
    if (
        isinstance(label, int | float)
        and not isinstance(label, bool)
        # The comparison first: a 400-digit integer has no float to test for finiteness.
        and not (abs(label) < 1e15 and math.isfinite(label))
    ):
        raise FeedbackError(
            _("Item %(i)s: %(field)s must be a finite number.") % {"i": index, "field": "'label'"}
        )
    if not isinstance(label, str | int | float | bool) or (
        isinstance(label, str) and not 0 < len(label) <= LABEL_MAX
    ):
        raise FeedbackError(
            _(
                "Item %(i)s: %(field)s must be a number, %(booleans)s or text of up to %(n)s "
                "characters."
            )
            % {"i": index, "field": "'label'", "booleans": "true/false", "n": LABEL_MAX}
        )
    return request_id, text_of(label), number_of(label)


def read_csv(upload):
    """Items from an uploaded CSV whose header names an ``id`` and a ``label`` column."""
    raw = upload.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise FeedbackError(_("The file is over 2 MB; split it into smaller files."), status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedbackError(_("The file must be UTF-8 text (CSV).")) from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        fields = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
        if "id" not in fields or "label" not in fields:
            raise FeedbackError(
                _("The first line must name the columns %(columns)s.") % {"columns": "id, label"}
            )
        rows = [
            {"id": (row.get(fields["id"]) or "").strip(), "label": label_cell(row[fields["label"]])}
            for row in reader
        ]
    except csv.Error as exc:
        raise FeedbackError(_("The file is not valid CSV: %(e)s") % {"e": exc}) from None
    return read_items(rows)


def label_cell(cell):
    """A CSV cell as a number when it reads as one, so "1" and "1.0" match a label 1."""
    cell = (cell or "").strip()
    number = number_of(cell)
    return number if number is not None else cell


@transaction.atomic
def feedback_record(*, endpoint, items, now=None):
    """Store each label on the answer it belongs to; unknown ids refuse the whole batch."""
    now = now or timezone.now()
    labels = {request_id: (text, number) for request_id, text, number in items}
    records = {
        r.request_id: r
        for r in PredictionRecord.objects.select_for_update().filter(
            endpoint=endpoint, request_id__in=list(labels)
        )
    }
    unknown = [request_id for request_id in labels if request_id not in records]
    if unknown:
        raise FeedbackError(
            _(
                "No answer of this endpoint carried the id %(ids)s. Labels belong to requests "
                'that sent an "id"; an answer is known here within a few seconds of being sent.'
            )
            % {"ids": ", ".join(unknown[:5]) + ("…" if len(unknown) > 5 else "")},
            status=404 if len(labels) == 1 else 422,
            unknown=unknown[:100],
        )
    for request_id, (text, number) in labels.items():
        record = records[request_id]
        record.label, record.label_value, record.labelled_at = text, number, now
    PredictionRecord.objects.bulk_update(
        list(records.values()), ["label", "label_value", "labelled_at"], batch_size=500
    )
    return len(records)
