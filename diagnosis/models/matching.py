from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from diagnosis.models.jobs import BackgroundJob


class MatchingNeeds(models.Model):
    """What the company told OneStop about the service it needs."""

    company = models.OneToOneField(
        "onestop.Company", on_delete=models.CASCADE, related_name="matching_needs"
    )
    latency_ms = models.PositiveIntegerField(
        _("answer within (ms)"), default=200, help_text=_("How fast one prediction must come back.")
    )
    requests_per_day = models.PositiveIntegerField(_("predictions per day"), default=10_000)
    monthly_budget_krw = models.PositiveBigIntegerField(
        _("monthly budget (KRW)"), default=1_000_000
    )
    data_in_korea = models.BooleanField(
        _("data must stay in Korea"), default=True, help_text=_("Leaves out pools abroad.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("matching needs")
        verbose_name_plural = _("matching needs")

    def __str__(self):
        return str(self.company)


class MatchingPolicy(models.Model):
    """The weights of the ranking's parts: programme policy, set by programme officers. One
    row; `current()` creates it with the defaults."""

    use_case = models.PositiveSmallIntegerField(_("use-case fit"), default=25)
    industry = models.PositiveSmallIntegerField(_("industry fit"), default=10)
    inputs = models.PositiveSmallIntegerField(_("fits the company's columns"), default=15)
    accuracy = models.PositiveSmallIntegerField(_("accuracy"), default=20)
    accelerator = models.PositiveSmallIntegerField(_("accelerator fit and speed"), default=10)
    policy = models.PositiveSmallIntegerField(
        _("inference on domestic NPUs"),
        default=10,
        help_text=_("Programme policy: train on GPUs, serve on domestic NPUs."),
    )
    cost = models.PositiveSmallIntegerField(_("cost within budget"), default=10)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    PARTS = ("use_case", "industry", "inputs", "accuracy", "accelerator", "policy", "cost")

    class Meta:
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policy")

    def __str__(self):
        return str(_("Matching weights"))

    @classmethod
    def current(cls):
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def weights(self):
        return {part: getattr(self, part) for part in self.PARTS}


class ColumnMapping(models.Model):
    """A person's corrections to how a model's inputs map onto the company's columns."""

    company = models.ForeignKey("onestop.Company", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "deployment.ModelVersion", on_delete=models.CASCADE, related_name="+"
    )
    corrections = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "version"], name="column_mapping_once")
        ]

    def __str__(self):
        return f"{self.company_id} · {self.version_id}"


class DataEvaluation(BackgroundJob):
    """A catalog model run on the company's own data check: the accuracy that counts."""

    company = models.ForeignKey("onestop.Company", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(
        "deployment.ModelVersion", on_delete=models.CASCADE, related_name="+"
    )
    data_check = models.ForeignKey(
        "diagnosis.DataCheck", on_delete=models.CASCADE, related_name="evaluations"
    )
    target = models.CharField(max_length=255)
    mapping = models.JSONField(default=dict)
    metric = models.CharField(max_length=20, blank=True)
    value = models.FloatField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)  # the value on the 0–1 ranking scale
    rows = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "version"])]


class MatchChoice(models.Model):
    """The match a company picked: the model and the pool its application for quota names."""

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="match_choices",
        verbose_name=_("company"),
    )
    version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version"),
    )
    pool = models.ForeignKey(
        "deployment.ComputePool", on_delete=models.PROTECT, related_name="+", verbose_name=_("pool")
    )
    score = models.FloatField(verbose_name=_("score"))
    parts = models.JSONField(default=dict, verbose_name=_("parts"))
    monthly_cost_krw = models.PositiveBigIntegerField(
        default=0, verbose_name=_("monthly cost (KRW)")
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("chosen by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("chosen match")
        verbose_name_plural = _("chosen matches")

    def __str__(self):
        return f"{self.company} · {self.version} · {self.pool}"
