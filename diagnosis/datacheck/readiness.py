"""The data-readiness score (0–100): six components, each with a reason in plain words.
Components that cannot be judged (no time column, no label) say so and leave the average;
docs/data-check.md gives the thresholds and why."""

import math
import re

from django.utils.translation import gettext as _

from diagnosis.datacheck import types
from diagnosis.datacheck.shown import percent

WEIGHTS = {
    "volume": 20,
    "completeness": 20,
    "history": 15,
    "regularity": 15,
    "labels": 15,
    "balance": 15,
}
FULL_VOLUME_ROWS = 10_000  # enough rows for a cross-validated baseline to mean something
FULL_HISTORY_DAYS = 365  # a year covers seasons and maintenance cycles
FULL_BALANCE_SHARE = 0.2  # a rarest class of a fifth needs no special care
LABEL_WORDS = re.compile(
    r"fail|defect|fault|label|target|class|reject|scrap|ng\b|ok\b|불량|고장|결함|이상|판정|양품",
    re.IGNORECASE,
)
MAX_LABEL_CLASSES = 20


def readiness(profile, target=None):
    columns = {column["name"]: column for column in profile["columns"]}
    rows = profile["rows"]
    label = columns.get(target) if target else likely_label(profile["columns"])
    time_column = first_time_column(profile["columns"])
    components = [
        volume(rows),
        completeness(profile["columns"]),
        history(time_column),
        regularity(time_column),
        label_availability(label, target, rows),
        balance(label, rows),
    ]
    judged = [c for c in components if c["score"] is not None]
    total = sum(c["score"] * WEIGHTS[c["key"]] for c in judged)
    weight = sum(WEIGHTS[c["key"]] for c in judged)
    return {
        "score": round(total / weight) if weight else 0,
        "components": components,
        "label": label["name"] if label else None,
        "time_column": time_column["name"] if time_column else None,
    }


def component(key, score, reason):
    names = {
        "volume": _("Volume"),
        "completeness": _("Completeness"),
        "history": _("History length"),
        "regularity": _("Sampling regularity"),
        "labels": _("Labels"),
        "balance": _("Label balance"),
    }
    return {
        "key": key,
        "name": names[key],
        "weight": WEIGHTS[key],
        "score": None if score is None else round(max(0.0, min(100.0, score))),
        "reason": reason,
    }


def volume(rows):
    # Log scale: 10 rows 25, 100 rows 50, 1,000 rows 75, 10,000 rows or more 100.
    score = 25 * math.log10(max(rows, 1))
    if rows >= FULL_VOLUME_ROWS:
        reason = _("%(rows)s rows: enough to train and test a model.")
    elif rows >= 1000:
        reason = _("%(rows)s rows: enough for a first model; more history will make it reliable.")
    else:
        reason = _("%(rows)s rows: too few for a model to learn dependable patterns.")
    return component("volume", score, reason % {"rows": f"{rows:,}"})


def completeness(columns):
    useful = [c for c in columns if c["kind"] != types.IDENTIFIER]
    if not useful:
        return component("completeness", 0, _("No measured columns, only identifiers."))
    missing = sum(c["missing_share"] for c in useful) / len(useful)
    worst = max(useful, key=lambda c: c["missing_share"])
    if worst["missing_share"] == 0:
        reason = _("No missing values.")
    else:
        reason = _(
            "%(share)s of values are missing on average; the worst column is '%(name)s' "
            "(%(worst)s)."
        ) % {
            "share": percent(missing),
            "name": worst["name"],
            "worst": percent(worst["missing_share"]),
        }
    return component("completeness", 100 * (1 - missing), reason)


def first_time_column(columns):
    return next(
        (c for c in columns if c["kind"] == types.DATETIME and c.get("median_interval_seconds")),
        None,
    )


def history(time_column):
    if time_column is None:
        return component("history", None, _("No date or time column, so history can't be judged."))
    days = time_column.get("span_days") or 0
    return component(
        "history",
        100 * days / FULL_HISTORY_DAYS,
        _("'%(name)s' covers %(days)s days; a year or more shows seasons and maintenance cycles.")
        % {"name": time_column["name"], "days": f"{days:,.0f}"},
    )


def regularity(time_column):
    if time_column is None:
        return component(
            "regularity", None, _("No date or time column, so sampling can't be judged.")
        )
    regular = time_column.get("regular_share", 0)
    gaps = time_column.get("gap_count", 0)
    return component(
        "regularity",
        100 * regular - min(30, 2 * gaps),
        _("%(share)s of readings come at the usual interval of %(interval)s; %(gaps)s gaps.")
        % {
            "share": percent(regular),
            "interval": interval_words(time_column["median_interval_seconds"]),
            "gaps": gaps,
        },
    )


def interval_words(seconds):
    for unit, size in ((_("days"), 86400), (_("hours"), 3600), (_("minutes"), 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} {_('seconds')}"


def likely_label(columns):
    """A column that looks like an outcome: a yes/no or few-class column, preferring names
    such as 'failure', 'defect' or '불량'."""
    candidates = [
        c
        for c in columns
        if c["kind"] in (types.BOOLEAN, types.CATEGORY) and 2 <= c["distinct"] <= MAX_LABEL_CLASSES
    ]
    named = [c for c in candidates if LABEL_WORDS.search(c["name"])]
    return (named or candidates or [None])[0]


def label_availability(label, target, rows):
    if label is None:
        return component(
            "labels",
            0,
            _(
                "No column records an outcome (pass/fail, defect type). Without one, only "
                "anomaly detection is possible."
            ),
        )
    present = 1 - label["missing_share"]
    if target:
        reason = _("'%(name)s' is the chosen outcome; it is recorded in %(share)s of rows.")
    else:
        reason = _(
            "'%(name)s' looks like an outcome (recorded in %(share)s of rows); choose it or "
            "another in the feasibility study."
        )
    return component(
        "labels", 100 * present, reason % {"name": label["name"], "share": percent(present)}
    )


def balance(label, rows):
    if label is None or not label.get("top"):
        return component("balance", None, _("No outcome column, so balance can't be judged."))
    counts = [item["count"] for item in label["top"]]
    rarest = min(counts) / max(sum(counts), 1)
    return component(
        "balance",
        100 * rarest / FULL_BALANCE_SHARE,
        _("The rarest outcome is %(share)s of rows; below 20%% a model needs care to find it.")
        % {"share": percent(rarest)},
    )
