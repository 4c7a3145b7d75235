from django.db import models
from django.utils.translation import gettext_lazy as _


class Grant(models.Model):
    """A company's guarantee on one pool for a time window (docs/allocation.md#terms)."""

    company = models.ForeignKey("onestop.Company", on_delete=models.CASCADE, related_name="grants")
    pool = models.ForeignKey(
        "deployment.ComputePool", on_delete=models.PROTECT, related_name="grants"
    )
    guarantee_units = models.PositiveIntegerField(_("guaranteed units"))
    lend_limit = models.PositiveIntegerField(
        _("lend limit"),
        null=True,
        blank=True,
        help_text=_("Empty: every idle guaranteed unit may be lent."),
    )
    borrow_limit = models.PositiveIntegerField(
        _("borrow limit"),
        null=True,
        blank=True,
        help_text=_("Empty: borrowing bounded only by idle units."),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    unit_hours_budget = models.PositiveBigIntegerField(_("unit-hour budget"), default=0)
    application = models.ForeignKey(
        "onestop.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="grant_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(lend_limit__isnull=True)
                | models.Q(lend_limit__lte=models.F("guarantee_units")),
                name="grant_lend_within_guarantee",
            ),
        ]

    def __str__(self):
        return f"{self.company} · {self.pool} · {self.guarantee_units}"


class Workload(models.Model):
    """Work that holds units of a pool: an endpoint (inference, never preempted) or a job
    (training and batch work, preemptible)."""

    class Kind(models.TextChoices):
        INFERENCE = "inference", _("inference endpoint")
        TRAINING = "training", _("training or batch job")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for units")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")

    company = models.ForeignKey(
        "onestop.Company", on_delete=models.CASCADE, related_name="workloads"
    )
    pool = models.ForeignKey(
        "deployment.ComputePool", on_delete=models.PROTECT, related_name="workloads"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    units = models.PositiveIntegerField(_("units"))
    priority = models.IntegerField(_("priority"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    submitted_at = models.DateTimeField(auto_now_add=True)
    admitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    preemptions = models.PositiveIntegerField(default=0)
    # An endpoint's replicas are its inference workloads.
    endpoint = models.ForeignKey(
        "deployment.Endpoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replicas",
    )

    class Meta:
        verbose_name = _("workload")
        verbose_name_plural = _("workloads")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["pool", "state"])]

    def __str__(self):
        return self.name


class AllocationEvent(models.Model):
    """Every admission, preemption and completion: visible to the company and to officers."""

    pool = models.ForeignKey("deployment.ComputePool", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey("onestop.Company", on_delete=models.CASCADE, related_name="+")
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10)  # admit, preempt, finish
    reason = models.CharField(max_length=20, blank=True)  # guarantee, borrow, reclaim, own, expiry
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["company", "-at"])]

    def __str__(self):
        return f"{self.action} {self.workload_id}"


class UsageReview(models.Model):
    """One quarter of a grant checked against the company's own plan (use it or lose it)."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="reviews")
    quarter = models.PositiveSmallIntegerField()  # 0 = the grant's first quarter
    planned_unit_hours = models.PositiveBigIntegerField()
    used_unit_hours = models.PositiveBigIntegerField()
    used_share = models.FloatField()
    cut_share = models.FloatField()
    guarantee_before = models.PositiveIntegerField()
    guarantee_after = models.PositiveIntegerField()
    exempted = models.BooleanField(default=False)
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["grant", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "quarter"], name="usage_review_once")
        ]

    def __str__(self):
        return f"{self.grant} Q{self.quarter + 1}"


class Exemption(models.Model):
    """A company's request not to be cut for one quarter (a plant shutdown, a delayed dataset),
    decided by an officer."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="exemptions")
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    reason = models.TextField(_("reason"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["grant", "quarter"], name="exemption_once")]

    def __str__(self):
        return f"{self.grant} Q{self.quarter + 1}: {self.state}"
