from django.db import models
from django.utils.translation import gettext_lazy as _


class Grant(models.Model):
    """A company's guarantee on one pool for a time window (docs/allocation.md#terms)."""

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("company"),
    )
    pool = models.ForeignKey(
        "deployment.ComputePool",
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("pool"),
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
        verbose_name=_("application"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

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
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="workloads",
        verbose_name=_("company"),
    )
    pool = models.ForeignKey(
        "deployment.ComputePool",
        on_delete=models.PROTECT,
        related_name="workloads",
        verbose_name=_("pool"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    units = models.PositiveIntegerField(_("units"))
    priority = models.IntegerField(_("priority"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    submitted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("submitted"))
    admitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("admitted"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    preemptions = models.PositiveIntegerField(default=0, verbose_name=_("preemptions"))
    # An endpoint's replicas are its inference workloads.
    endpoint = models.ForeignKey(
        "deployment.Endpoint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replicas",
        verbose_name=_("endpoint"),
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

    pool = models.ForeignKey(
        "deployment.ComputePool", on_delete=models.CASCADE, related_name="+", verbose_name=_("pool")
    )
    company = models.ForeignKey(
        "onestop.Company", on_delete=models.CASCADE, related_name="+", verbose_name=_("company")
    )
    workload = models.ForeignKey(
        Workload, on_delete=models.CASCADE, related_name="events", verbose_name=_("workload")
    )

    class Action(models.TextChoices):
        ADMIT = "admit", _("Started")
        PREEMPT = "preempt", _("Paused")
        FINISH = "finish", _("Finished")

    class Reason(models.TextChoices):
        GUARANTEE = "guarantee", _("within its guarantee")
        STATIC = "static", _("within its guarantee")
        BORROW = "borrow", _("on idle units borrowed from others")
        RECLAIM = "reclaim", _("its lender took the units back")
        OWN = "own", _("the company's own work came first")
        EXPIRY = "expiry", _("the grant ended")

    action = models.CharField(max_length=10, choices=Action.choices, verbose_name=_("action"))
    reason = models.CharField(
        max_length=20, blank=True, choices=Reason.choices, verbose_name=_("reason")
    )
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("time"))

    class Meta:
        verbose_name = _("allocation event")
        verbose_name_plural = _("allocation events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["company", "-at"])]

    def __str__(self):
        return f"{self.get_action_display()} · {self.workload}"


class UsageReview(models.Model):
    """One quarter of a grant checked against the company's own plan (use it or lose it)."""

    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("grant")
    )
    quarter = models.PositiveSmallIntegerField(
        verbose_name=_("quarter")
    )  # 0 = the grant's first quarter
    planned_unit_hours = models.PositiveBigIntegerField(verbose_name=_("planned unit-hours"))
    used_unit_hours = models.PositiveBigIntegerField(verbose_name=_("unit-hours used"))
    used_share = models.FloatField(verbose_name=_("share used"))
    cut_share = models.FloatField(verbose_name=_("share cut"))
    guarantee_before = models.PositiveIntegerField(verbose_name=_("guarantee before"))
    guarantee_after = models.PositiveIntegerField(verbose_name=_("guarantee after"))
    exempted = models.BooleanField(default=False, verbose_name=_("exempted"))
    reviewed_at = models.DateTimeField(auto_now_add=True, verbose_name=_("reviewed"))

    class Meta:
        verbose_name = _("quarterly usage review")
        verbose_name_plural = _("quarterly usage reviews")
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

    grant = models.ForeignKey(
        Grant, on_delete=models.CASCADE, related_name="exemptions", verbose_name=_("grant")
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.REQUESTED, verbose_name=_("state")
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided"))

    class Meta:
        verbose_name = _("exemption from a cut")
        verbose_name_plural = _("exemptions from cuts")
        constraints = [models.UniqueConstraint(fields=["grant", "quarter"], name="exemption_once")]

    def __str__(self):
        return f"{self.grant} Q{self.quarter + 1}: {self.get_state_display()}"
