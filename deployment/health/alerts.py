"""Health checks: each ready endpoint's last day of inputs and last week of labels against the
owner's thresholds. An alert is raised once when a threshold is crossed (one open alert of a
kind per endpoint, however many requests follow) and cleared when the endpoint is back under
it; raising one tells the owners in the portal and by e-mail."""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.health.accuracy import accuracy_between, chosen_metric
from deployment.health.drift import input_drift
from deployment.health.observe import watch_of
from deployment.models import Endpoint, EndpointSketch, HealthAlert, PredictionRecord
from onestop.services.notifications import Kind, notify_company, site_language

logger = logging.getLogger(__name__)
DRIFT_WINDOW = timedelta(hours=24)
ACCURACY_WINDOW = timedelta(days=7)
ACCURACY_MIN_LABELS = 50
# Answers kept for labels, and hourly sketches, are forgotten after these.
PREDICTIONS_KEPT = timedelta(days=180)
SKETCHES_KEPT = timedelta(days=400)
# With no floor set, an alert when the live metric is this far below the one claimed.
ACCURACY_MARGIN = 0.05
# An open alert clears only well back under its threshold, so a value hovering at the line
# does not raise a new alert (and an e-mail) every ten minutes.
CLEAR_SHARE = 0.8
ACCURACY_CLEAR_MARGIN = 0.02


def accuracy_floor(watch, claimed):
    if watch.accuracy_floor is not None:
        return watch.accuracy_floor
    return claimed - ACCURACY_MARGIN if isinstance(claimed, int | float) else None


def health_check(endpoint, now=None):
    """Raise or clear the endpoint's alerts; returns the alerts raised now."""
    now = now or timezone.now()
    watch = watch_of(endpoint)
    raised = []
    drift = input_drift(endpoint, now - DRIFT_WINDOW, now)
    if drift["enough"]:
        over = [
            i for i in drift["inputs"] if i["psi"] is not None and i["psi"] >= watch.drift_threshold
        ]
        calm = all(
            i["psi"] is None or i["psi"] < watch.drift_threshold * CLEAR_SHARE
            for i in drift["inputs"]
        )
        if over:
            worst = max(i["psi"] for i in over)
            names = [i["name"] for i in over]
            raised += alert_raise(
                endpoint, HealthAlert.Kind.DRIFT, worst, watch.drift_threshold, names, now
            )
        elif calm:
            alert_clear(endpoint, HealthAlert.Kind.DRIFT, now)
    measured = accuracy_between(endpoint, now - ACCURACY_WINDOW, now)
    name, value, claimed = chosen_metric(endpoint, measured)
    floor = accuracy_floor(watch, claimed)
    if value is not None and floor is not None and measured["labelled"] >= ACCURACY_MIN_LABELS:
        if value < floor:
            raised += alert_raise(endpoint, HealthAlert.Kind.ACCURACY, value, floor, [name], now)
        elif value >= floor + ACCURACY_CLEAR_MARGIN:
            alert_clear(endpoint, HealthAlert.Kind.ACCURACY, now)
    return raised


def alert_raise(endpoint, kind, value, threshold, inputs, now):
    if HealthAlert.objects.filter(endpoint=endpoint, kind=kind, cleared_at__isnull=True).exists():
        return []
    try:
        with transaction.atomic():
            alert = HealthAlert.objects.create(
                endpoint=endpoint,
                kind=kind,
                value=value,
                threshold=threshold,
                inputs=inputs,
                raised_at=now,
            )
    except IntegrityError:  # another check raised it a moment ago
        return []
    health_notice(alert)
    return [alert]


def alert_clear(endpoint, kind, now):
    HealthAlert.objects.filter(endpoint=endpoint, kind=kind, cleared_at__isnull=True).update(
        cleared_at=now
    )


def health_notice(alert):
    endpoint = alert.endpoint
    with site_language():
        if alert.kind == HealthAlert.Kind.DRIFT:
            subject = _("The inputs of “%(name)s” have shifted") % {"name": endpoint.name}
            body = _(
                "%(inputs)s no longer look like the data the model learnt from (PSI %(value).2f, "
                "alert at %(threshold).2f). Check the sensors or the process, and consider "
                "retraining on newer data."
            ) % {
                "inputs": ", ".join(alert.inputs),
                "value": alert.value,
                "threshold": alert.threshold,
            }
        else:
            subject = _("The accuracy of “%(name)s” has dropped") % {"name": endpoint.name}
            body = _(
                "On the labels reported in the last 7 days it scores %(value).3f, under the "
                "alert level of %(threshold).3f. Consider retraining on newer data."
            ) % {"value": alert.value, "threshold": alert.threshold}
        notify_company(
            endpoint.company,
            subject,
            body,
            kind=Kind.MODEL_HEALTH,
            url=reverse("endpoint_health", args=[endpoint.pk]),
            key=f"health-alert:{alert.pk}",
        )


def health_check_all(now=None):
    """Check every endpoint that answered or was labelled lately; returns alerts raised."""
    now = now or timezone.now()
    since = now - DRIFT_WINDOW
    active = set(
        EndpointSketch.objects.filter(start__gte=since).values_list("endpoint_id", flat=True)
    ) | set(
        PredictionRecord.objects.filter(labelled_at__gte=since).values_list(
            "endpoint_id", flat=True
        )
    )
    raised = []
    for endpoint in Endpoint.objects.filter(pk__in=active).select_related(
        "version__family", "company", "health_watch"
    ):
        try:
            raised += health_check(endpoint, now)
        except Exception:  # one endpoint's fault must not stop every other endpoint's checks
            logger.exception("model health check of endpoint %s failed", endpoint.pk)
    return raised


def health_purge(now=None):
    now = now or timezone.now()
    PredictionRecord.objects.filter(at__lt=now - PREDICTIONS_KEPT).delete()
    EndpointSketch.objects.filter(start__lt=now - SKETCHES_KEPT).delete()
