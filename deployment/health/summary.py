"""One endpoint's health over its last days, as the page, the command and the progress reports
read it: drift per input and overall, answers per day, live accuracy, alerts."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deployment.health.accuracy import accuracy_between, accuracy_by_day, chosen_metric
from deployment.health.alerts import accuracy_floor
from deployment.health.drift import drift_by_day, drift_level, input_drift, predictions_by_day
from deployment.health.observe import watch_of
from deployment.models.health import PSI_STABLE
from onestop.dates import local_date, local_datetime

MAX_DAYS = 90
REFERENCE_SOURCES = {
    "training": _("the data the model learnt from"),
    "validation": _("the data the model was validated on"),
    "traffic": _("the endpoint's first requests"),
}


def endpoint_health(endpoint, *, days=7, now=None):
    now = now or timezone.now()
    days = max(1, min(int(days), MAX_DAYS))
    since = now - timedelta(days=days)
    watch = watch_of(endpoint)
    drift = input_drift(endpoint, since, now)
    for item in drift["inputs"]:
        item["level"] = drift_level(item["psi"], watch.drift_threshold)
    measured = accuracy_between(endpoint, since, now)
    metric, value, claimed = chosen_metric(endpoint, measured)
    alerts = endpoint.health_alerts.filter(raised_at__gte=since) | endpoint.health_alerts.filter(
        cleared_at__isnull=True
    )
    return {
        "endpoint": endpoint.name,
        "model": str(endpoint.version),
        "days": days,
        "from": local_date(since),
        "to": local_date(now),
        "thresholds": {
            "psi_stable_below": PSI_STABLE,
            "psi_alert_at": watch.drift_threshold,
            "accuracy_alert_below": accuracy_floor(watch, claimed),
        },
        "drift": {
            "reference": drift["reference"],
            "reference_source": str(
                REFERENCE_SOURCES.get((drift["reference"] or {}).get("source"), "")
            ),
            "rows": drift["rows"],
            "enough_rows": drift["enough"],
            "overall": drift["overall"],
            "overall_level": drift_level(drift["overall"], watch.drift_threshold),
            "inputs": [
                {"name": i["name"], "psi": i["psi"], "level": i["level"]} for i in drift["inputs"]
            ],
            "by_day": drift_by_day(endpoint, since, now),
        },
        "predictions_by_day": predictions_by_day(endpoint, since, now),
        "accuracy": {
            "labelled": measured.get("labelled", 0),
            "metric": metric,
            "value": round(value, 4) if value is not None else None,
            "claimed": claimed,
            "share_right": round(measured["accuracy"], 4) if "accuracy" in measured else None,
            "by_day": [
                {k: round(v, 4) if isinstance(v, float) else v for k, v in day.items()}
                for day in accuracy_by_day(endpoint, since, now)
            ],
        },
        "alerts": [
            {
                "kind": alert.kind,
                "value": round(alert.value, 4),
                "threshold": round(alert.threshold, 4),
                "inputs": alert.inputs,
                "raised": local_datetime(alert.raised_at),
                "cleared": local_datetime(alert.cleared_at) if alert.cleared_at else None,
            }
            for alert in alerts.distinct().order_by("-raised_at")[:50]
        ],
    }
