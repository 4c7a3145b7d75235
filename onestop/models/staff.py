from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """What a staff user does at the desk: a consultant works on assigned companies; a
    programme officer oversees every company (``onestop.roles`` says who is which)."""

    class Role(models.TextChoices):
        CONSULTANT = "consultant", _("Consultant")
        OFFICER = "officer", _("Programme officer")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.CONSULTANT)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    # Which new companies a consultant takes on by themselves (onestop.services.assignment).
    regions = models.JSONField(
        _("regions covered"),
        default=list,
        blank=True,
        help_text=_("Region codes this consultant serves; empty for every region."),
    )
    ksic_divisions = models.JSONField(
        _("industries covered (KSIC divisions)"),
        default=list,
        blank=True,
        help_text=_(
            "Two-digit KSIC divisions, e.g. 29 for machinery or 30 for motor vehicles; empty for "
            "every industry."
        ),
    )
    capacity = models.PositiveSmallIntegerField(
        _("most companies at once"),
        default=25,
        help_text=_(
            "Once every consultant who covers a new company is full, it waits for an officer."
        ),
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class ConsultantAssignment(models.Model):
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        limit_choices_to={"is_staff": True},
        verbose_name=_("consultant"),
    )
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="consultant_assignments",
        verbose_name=_("company"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("consultant assignment")
        verbose_name_plural = _("consultant assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "company"], name="assignment_unique_consultant_company"
            ),
        ]

    def __str__(self):
        return f"{self.consultant} → {self.company}"
