from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onestop.registry import flavor_label

# Use it or lose it (NREL, quarterly, against the applicant's own plan): share used → cut.
NREL_SCALE = [
    {"used_at_least": 0.70, "cut": 0.0},
    {"used_at_least": 0.55, "cut": 0.20},
    {"used_at_least": 0.40, "cut": 0.35},
    {"used_at_least": 0.20, "cut": 0.55},
    {"used_at_least": 0.0, "cut": 0.80},
]


# A quarter of a grant, as usage reviews count it, and one unit busy all day for it.
QUARTER_DAYS = 91
HOURS_PER_QUARTER = QUARTER_DAYS * 24


def default_scale():
    return list(NREL_SCALE)


def default_reports():
    return [1, 3, 9]


class Programme(models.Model):
    """A public support programme that grants accelerator time to companies."""

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    description = models.TextField(_("description"), blank=True)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), default=2)
    extension_years = models.PositiveSmallIntegerField(
        _("extension for top performers (years)"), default=1
    )
    cap_units_per_company = models.PositiveIntegerField(_("cap per company (units)"), default=8)
    staged_release_share = models.DecimalField(
        _("share released at award"),
        max_digits=3,
        decimal_places=2,
        default=0.5,
        help_text=_("The rest follows the first accepted progress report."),
    )
    report_months = models.JSONField(_("progress reports (months)"), default=default_reports)
    reduction_scale = models.JSONField(_("reduction scale"), default=default_scale)
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"), default=60)
    open_for_applications = models.BooleanField(_("open for applications"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")
        ordering = ["-year", "name"]

    def __str__(self):
        return f"{self.name} ({self.year})"


class ProgrammeFlavor(models.Model):
    """An accelerator flavor a programme offers, with its budget in unit-hours."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="flavors")
    flavor = models.CharField(_("flavor"), max_length=20)
    budget_unit_hours = models.PositiveBigIntegerField(_("budget (unit-hours)"))

    class Meta:
        verbose_name = _("accelerator offered")
        verbose_name_plural = _("accelerators offered")
        constraints = [
            models.UniqueConstraint(fields=["programme", "flavor"], name="programme_flavor_once")
        ]

    def __str__(self):
        return f"{self.programme} · {self.flavor_label}"

    @property
    def flavor_label(self):
        return flavor_label(self.flavor)


class Application(models.Model):
    """A company's request for accelerator time under a programme, and its review."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        WAITLISTED = "waitlisted", _("On the waitlist")
        REJECTED = "rejected", _("Not approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("programme"),
    )
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="applications",
        verbose_name=_("company"),
    )
    flavor = models.CharField(_("flavor"), max_length=20)
    units = models.PositiveIntegerField(_("units"))
    quarterly_plan = models.JSONField(
        _("quarterly usage plan (unit-hours)"),
        default=list,
        help_text=_("One number per quarter of the term."),
    )
    purpose = models.TextField(_("what the units are for"))
    evidence = models.JSONField(
        default=dict, blank=True, verbose_name=_("evidence")
    )  # diagnosis and match, as they were
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("submitted"))
    review_score = models.PositiveSmallIntegerField(
        _("review score (0–100)"), null=True, blank=True
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided"))
    rest_released_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rest released"))
    extended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("extended"))

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self):
        return f"{self.company} · {self.programme} · {self.flavor_label} × {self.units}"

    @property
    def flavor_label(self):
        return flavor_label(self.flavor)

    @property
    def waitlist_position(self):
        if self.state != self.State.WAITLISTED:
            return None
        earlier = Application.objects.filter(
            programme_id=self.programme_id,
            flavor=self.flavor,
            state=self.State.WAITLISTED,
            decided_at__lt=self.decided_at,
        )
        return earlier.count() + 1


class ProgressReport(models.Model):
    """A funded company's report at 1, 3 and 9 months (NAIRR-style), and the officer's
    evaluation of it. Month 0 is the final report."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for changes")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reports")
    month = models.PositiveSmallIntegerField(_("month"))
    kpis = models.TextField(_("KPIs achieved"))
    products = models.TextField(_("products (models, endpoints, datasets)"))
    deviations = models.TextField(_("deviations from the plan"), blank=True)
    # The period's measured facts as they were when the report was sent (see
    # deployment.programmes.outcomes), and the firm's own KPI before and after, with evidence.
    facts = models.JSONField(_("measured facts"), default=dict, blank=True)
    kpi_before = models.FloatField(_("KPI before"), null=True, blank=True)
    kpi_after = models.FloatField(_("KPI now"), null=True, blank=True)
    kpi_evidence = models.TextField(_("how the KPI was measured"), blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    score = models.PositiveSmallIntegerField(_("evaluation score (0–100)"), null=True, blank=True)
    evaluation = models.TextField(_("evaluation"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["application", "month"]
        constraints = [
            models.UniqueConstraint(fields=["application", "month"], name="report_once_per_month")
        ]

    def __str__(self):
        return f"{self.application} · M{self.month}"
