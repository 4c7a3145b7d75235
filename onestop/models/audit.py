from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Actions a desk member took in a company's place are coded "on_behalf.<what>"
# (``onestop.services.audit.audit_on_behalf``).
ON_BEHALF = "on_behalf."


class AuditEntryQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def on_behalf(self):
        """What desk members did in a company's place (see ``audit_on_behalf``)."""
        return self.filter(action__startswith=ON_BEHALF)


class AuditEntry(models.Model):
    """Who changed what, when, with the state before and after. Written by services and the
    admin; never edited."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_api_key = models.ForeignKey(
        "onestop.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("API key"),
    )
    actor_label = models.CharField(_("who"), max_length=200)
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(_("object type"), max_length=100)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    partner = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The admin's "history of this object" filter.
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self):
        when = timezone.localtime(self.created_at)
        return f"{when:%Y-%m-%d %H:%M} {self.actor_shown} {self.action_label}"

    @property
    def actor_shown(self):
        """Who did it, for people: work OneStop did by itself is said so in words."""
        return _("OneStop (automatic)") if self.actor_label == "system" else self.actor_label

    @property
    def action_label(self):
        from onestop.audit_words import action_label

        return action_label(self.action)
