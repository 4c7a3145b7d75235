from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person was waiting for, in their inbox (and by e-mail unless they turned
    that off): an application received or decided, an endpoint ready or failed, a report due,
    a cut coming, a pool that stopped answering."""

    class Kind(models.TextChoices):
        APPLICATION_RECEIVED = "application_received", _("Application received")
        APPLICATION_DECIDED = "application_decided", _("Application decided")
        ENDPOINT_READY = "endpoint_ready", _("Endpoint ready")
        ENDPOINT_FAILED = "endpoint_failed", _("Endpoint failed")
        REPORT_DUE = "report_due", _("Progress report due")
        CUT_COMING = "cut_coming", _("Cut coming")
        GUARANTEE_CUT = "guarantee_cut", _("Guarantee reduced")
        POOL_UNAVAILABLE = "pool_unavailable", _("Pool unavailable")
        MODEL_HEALTH = "model_health", _("Model health")
        VOUCHER_ISSUED = "voucher_issued", _("Voucher granted")
        QUOTE_RECEIVED = "quote_received", _("Quote received")
        QUOTE_ANSWERED = "quote_answered", _("Quote answered")
        STATEMENT_READY = "statement_ready", _("Monthly statement ready")
        DESK_WORK = "desk_work", _("Consultant and action plan")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
    )
    partner = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    # Set for notices a periodic check sends, so the same one is never sent twice.
    key = models.CharField(_("key"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_inbox_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key=""),
                name="notification_once_per_key",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.subject}"
