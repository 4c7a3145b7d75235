import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from diagnosis.models.jobs import BackgroundJob, JobStatus


class DataCheckQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def visible_to_staff(self, user):
        from onestop.roles import companies_seen_by

        return self.filter(company__in=companies_seen_by(user))


class DataCheck(BackgroundJob):
    """One uploaded sample of a company's data, its profile and its readiness score. The file
    and everything derived from it live in one folder, removed with the record."""

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="data_checks",
        verbose_name=_("company"),
    )
    key = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("stored file")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    profile = models.JSONField(null=True, blank=True, verbose_name=_("profile"))
    readiness = models.JSONField(null=True, blank=True, verbose_name=_("readiness"))
    readiness_score = models.PositiveSmallIntegerField(_("data readiness"), null=True, blank=True)
    share_rows = models.BooleanField(
        _("consultants may see rows"),
        default=False,
        help_text=_("Off: consultants see the profile only, never the rows."),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    expires_at = models.DateTimeField(_("deleted on"))

    objects = DataCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("data check")
        verbose_name_plural = _("data checks")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self):
        return self.original_name

    @property
    def folder(self):
        return Path(settings.ONESTOP_DATA_ROOT) / str(self.company_id) / str(self.key)

    @property
    def source_path(self):
        return self.folder / "source"

    @property
    def is_ready(self):
        return self.status == JobStatus.READY

    @property
    def columns(self):
        return (self.profile or {}).get("columns", [])


class FeasibilityStudy(BackgroundJob):
    """A cross-validated baseline on one data check, and the ONNX model it produced: the
    company's private model candidate."""

    data_check = models.ForeignKey(DataCheck, on_delete=models.CASCADE, related_name="studies")
    target = models.CharField(_("target column"), max_length=255, blank=True)
    excluded = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    result = models.JSONField(null=True, blank=True)
    model_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("feasibility study")
        verbose_name_plural = _("feasibility studies")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.target or str(_("anomaly detection"))

    @property
    def model_path(self):
        # Stored by content hash: the same model is one file, and a name can't be forged.
        return self.data_check.folder / "models" / f"{self.model_sha256}.onnx"

    @property
    def npu_model_path(self):
        """The NPU-ready form's file (standard operators only), or None when the study could
        not make one."""
        sha256 = str(((self.result or {}).get("model") or {}).get("npu_sha256") or "")
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        return self.data_check.folder / "models" / f"{sha256}.onnx"
