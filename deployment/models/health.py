"""Model health: what an endpoint's requests look like against the data its model learnt from
(hourly sketches: counts per bin, never the rows), what it answered to requests that carried
an id, the true labels callers report later, and the alerts raised when either drifts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Population stability index: under 0.1 the inputs look like the reference, 0.1–0.25 they
# have moved a little, 0.25 and over they have moved enough to question the model (the
# thresholds credit-risk modelling has used for decades, and the owner may change).
PSI_STABLE = 0.1
PSI_SHIFTED = 0.25


class HealthWatch(models.Model):
    """The owner's settings for one endpoint's health, and the reference taken from its first
    requests when the model came with none."""

    endpoint = models.OneToOneField(
        "deployment.Endpoint", on_delete=models.CASCADE, related_name="health_watch"
    )
    drift_threshold = models.FloatField(_("drift alert at (PSI)"), default=PSI_SHIFTED)
    accuracy_floor = models.FloatField(
        _("accuracy alert below"),
        null=True,
        blank=True,
        help_text=_("Empty: 0.05 below what the model scored when it was chosen."),
    )
    keep_rows = models.BooleanField(
        _("keep the rows of requests with an id"),
        default=False,
        help_text=_("Off: only counts per range are kept. On: rows are kept for retraining."),
    )
    reference = models.JSONField(_("reference from the first requests"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("model health settings")
        verbose_name_plural = _("model health settings")

    def __str__(self):
        return str(self.endpoint)


class EndpointSketch(models.Model):
    """One hour of an endpoint's inputs as counts per bin of its reference, and its answers'
    distribution. Sketches from several processes merge by adding."""

    endpoint = models.ForeignKey(
        "deployment.Endpoint", on_delete=models.CASCADE, related_name="sketches"
    )
    start = models.DateTimeField()
    reference_key = models.CharField(max_length=16)
    rows = models.PositiveBigIntegerField(default=0)
    inputs = models.JSONField(default=list)  # per reference feature, counts per bin
    predictions = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "start", "reference_key"], name="sketch_one_per_hour"
            )
        ]
        indexes = [models.Index(fields=["endpoint", "start"])]

    def __str__(self):
        return f"{self.endpoint_id} {self.start:%Y-%m-%d %H:00}"


class PredictionRecord(models.Model):
    """What an endpoint answered to a request that carried an ``id``, kept so a label reported
    later can be scored against it. The row itself only when the owner opted in."""

    endpoint = models.ForeignKey(
        "deployment.Endpoint", on_delete=models.CASCADE, related_name="predictions"
    )
    request_id = models.CharField(max_length=128)
    at = models.DateTimeField()
    predicted = models.CharField(max_length=64)
    predicted_value = models.FloatField(null=True)
    score = models.FloatField(null=True)  # the probability of the positive class
    label = models.CharField(max_length=64, blank=True)
    label_value = models.FloatField(null=True)
    labelled_at = models.DateTimeField(null=True)
    row = models.JSONField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "request_id"], name="prediction_one_per_request_id"
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "at"]),
            models.Index(fields=["endpoint", "labelled_at"]),
        ]

    def __str__(self):
        return f"{self.endpoint_id} {self.request_id}"


class HealthAlert(models.Model):
    class Kind(models.TextChoices):
        DRIFT = "drift", _("input drift")
        ACCURACY = "accuracy", _("accuracy drop")

    endpoint = models.ForeignKey(
        "deployment.Endpoint", on_delete=models.CASCADE, related_name="health_alerts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    value = models.FloatField(_("value"))
    threshold = models.FloatField(_("threshold"))
    inputs = models.JSONField(_("inputs"), default=list, blank=True)
    raised_at = models.DateTimeField(_("raised"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)

    class Meta:
        verbose_name = _("model health alert")
        verbose_name_plural = _("model health alerts")
        ordering = ["-raised_at"]
        constraints = [
            # One open alert of a kind per endpoint: raised once, not per request.
            models.UniqueConstraint(
                fields=["endpoint", "kind"],
                condition=models.Q(cleared_at__isnull=True),
                name="health_alert_one_open_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.endpoint} {self.get_kind_display()}"
