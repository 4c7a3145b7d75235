"""Input drift of an endpoint over a window, from its hourly sketches: the population
stability index per input against the reference's shares, and overall as their mean; and the
distribution of its answers per day."""

from collections import defaultdict

from deployment.health.observe import merge_predictions, reference_of
from deployment.health.reference import add_counts, psi
from deployment.models import EndpointSketch
from deployment.models.health import PSI_STABLE
from onestop.dates import local_date

# Fewer requests than this in a window say too little about a distribution to judge it.
MIN_ROWS = 200


def hour_floor(moment):
    return moment.replace(minute=0, second=0, microsecond=0)


def sketches(endpoint, since, until, key=None):
    rows = EndpointSketch.objects.filter(
        endpoint=endpoint, start__gte=hour_floor(since), start__lt=until
    ).order_by("start")
    return rows.filter(reference_key=key) if key is not None else rows


def input_drift(endpoint, since, until):
    """{"reference", "rows", "inputs": [{name, psi, shifted}], "overall", "enough"}; the
    reference is None when the model has none yet (its first requests become one)."""
    profile = reference_of(endpoint)
    if not profile:
        return {"reference": None, "rows": 0, "inputs": [], "overall": None, "enough": False}
    counts = []
    for sketch in sketches(endpoint, since, until, profile["key"]).only("inputs"):
        if sketch.inputs:
            counts = add_counts(counts, sketch.inputs)
    inputs = []
    for index, feature in enumerate(profile["features"]):
        observed = counts[index] if counts else []
        value = psi(feature["expected"], observed) if observed else None
        inputs.append(
            {
                "name": feature["name"],
                "psi": round(value, 4) if value is not None else None,
                "expected": feature["expected"],
                "observed": shares(observed),
            }
        )
    measured = [i["psi"] for i in inputs if i["psi"] is not None]
    rows = sum(counts[0]) if counts else 0
    return {
        "reference": {"source": profile["source"], "rows": profile["rows"]},
        "rows": rows,
        "inputs": inputs,
        "overall": round(sum(measured) / len(measured), 4) if measured else None,
        "enough": rows >= MIN_ROWS,
    }


def shares(counts):
    total = sum(counts)
    return [round(n / total, 4) for n in counts] if total else []


def drift_level(value, threshold):
    """ "stable", "moved" or "shifted" for a PSI value against the owner's threshold."""
    if value is None:
        return None
    if value >= threshold:
        return "shifted"
    return "moved" if value >= PSI_STABLE else "stable"


def drift_by_day(endpoint, since, until):
    """[{day, rows, overall}] per local day, from each day's sketches."""
    profile = reference_of(endpoint)
    if not profile:
        return []
    days = defaultdict(list)
    for sketch in sketches(endpoint, since, until, profile["key"]):
        if sketch.inputs:
            days[local_date(sketch.start)].append(sketch.inputs)
    series = []
    for day, parts in sorted(days.items()):
        counts = []
        for part in parts:
            counts = add_counts(counts, part)
        values = [
            psi(feature["expected"], row)
            for feature, row in zip(profile["features"], counts, strict=True)
        ]
        values = [v for v in values if v is not None]
        series.append(
            {
                "day": day,
                "rows": sum(counts[0]),
                "overall": round(sum(values) / len(values), 4) if values else None,
            }
        )
    return series


def predictions_by_day(endpoint, since, until):
    """[{day, rows, labels: {label: share}} or {day, rows, mean, sd, min, max}] per day."""
    days = {}
    for sketch in sketches(endpoint, since, until).only("start", "predictions"):
        day = local_date(sketch.start)
        days[day] = merge_predictions(days.get(day, {}), sketch.predictions or {})
    series = []
    for day, merged in sorted(days.items()):
        if "labels" in merged:
            total = sum(merged["labels"].values())
            series.append(
                {
                    "day": day,
                    "rows": total,
                    "labels": {k: round(n / total, 4) for k, n in sorted(merged["labels"].items())},
                }
            )
        elif merged.get("n"):
            n = merged["n"]
            mean = merged["sum"] / n
            variance = max(merged["sumsq"] / n - mean * mean, 0.0)
            series.append(
                {
                    "day": day,
                    "rows": n,
                    "mean": round(mean, 4),
                    "sd": round(variance**0.5, 4),
                    "min": round(merged["min"], 4),
                    "max": round(merged["max"], 4),
                }
            )
    return series
