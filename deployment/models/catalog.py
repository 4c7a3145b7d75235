import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Task(models.TextChoices):
    BINARY = "binary", _("yes/no prediction")
    MULTICLASS = "multiclass", _("classification")
    REGRESSION = "regression", _("regression")
    FORECASTING = "forecasting", _("forecasting")
    ANOMALY = "anomaly", _("anomaly detection")
    IMAGE = "image", _("image classification")


class ModelFamilyQuerySet(models.QuerySet):
    def visible_to_company(self, company):
        """Public families and the company's own private ones."""
        return self.filter(
            models.Q(visibility=ModelFamily.Visibility.PUBLIC) | models.Q(company=company)
        )


class ModelFamily(models.Model):
    """A model a vendor publishes (or a company trained for itself), in versions."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private to one company")

    vendor = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="model_families",
        verbose_name=_("vendor"),
    )
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="private_models",
        help_text=_("Set for a company's own model; nobody else sees it."),
        verbose_name=_("company"),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    name = models.CharField(_("name"), max_length=200)
    task = models.CharField(_("task"), max_length=20, choices=Task.choices)
    use_cases = models.JSONField(
        _("use cases"), default=list, blank=True, help_text=_("Roadmap use-case codes.")
    )
    industries = models.JSONField(
        _("industries"),
        default=list,
        blank=True,
        help_text=_("KSIC sections or divisions (e.g. C or C29); empty for any industry."),
    )
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    licence = models.CharField(_("licence"), max_length=100, blank=True)
    domestic = models.BooleanField(_("domestic model"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    objects = ModelFamilyQuerySet.as_manager()

    class Meta:
        verbose_name = _("model")
        verbose_name_plural = _("models")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility="public", company__isnull=True)
                | models.Q(visibility="private", company__isnull=False),
                name="model_family_private_has_company",
            ),
            models.UniqueConstraint(
                fields=["vendor", "name"],
                condition=models.Q(vendor__isnull=False),
                name="model_family_unique_per_vendor",
            ),
        ]

    def __str__(self):
        return self.name

    def description(self, language):
        return (
            self.description_ko if language == "ko" and self.description_ko else self.description_en
        )


class ModelVersionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=ModelVersion.State.PUBLISHED)

    def visible_to_company(self, company):
        return self.filter(family__in=ModelFamily.objects.visible_to_company(company))


# Where a company's own model came from, as its versions are labelled.
OWN_ORIGINS = {
    "study": _("feasibility study %(n)s"),
    "training": _("training job %(n)s"),
}
NPU_READY = _("NPU-ready")


class ModelVersion(models.Model):
    """One ONNX artifact of a model, stored by content hash, and what validation found."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        VALIDATING = "validating", _("Validating")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    family = models.ForeignKey(
        ModelFamily, on_delete=models.CASCADE, related_name="versions", verbose_name=_("family")
    )
    version = models.CharField(_("version"), max_length=50)
    sha256 = models.CharField(max_length=64, db_index=True, verbose_name=_("SHA-256"))
    size = models.BigIntegerField(_("size in bytes"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.UPLOADED
    )
    reason = models.TextField(_("rejection reason"), blank=True)
    ir_version = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("ONNX IR version")
    )
    opsets = models.JSONField(default=dict, blank=True, verbose_name=_("operator sets"))
    signature = models.JSONField(default=dict, blank=True, verbose_name=_("signature"))
    input_columns = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Per input feature: name, type (number, category, boolean), unit."),
        verbose_name=_("input columns"),
    )
    claimed_metrics = models.JSONField(default=dict, blank=True, verbose_name=_("claimed metrics"))
    # The inputs' distribution in the data the model learnt from or was validated on (bins and
    # shares, never rows): what an endpoint's requests are compared with (deployment.health).
    reference = models.JSONField(default=dict, blank=True, verbose_name=_("reference data profile"))
    flavors = models.JSONField(
        default=list, blank=True, verbose_name=_("flavors")
    )  # the flavors that can take it
    flavor_notes = models.JSONField(
        default=list, blank=True, verbose_name=_("flavor notes")
    )  # why each flavor can or cannot
    latency_ms = models.JSONField(
        default=dict, blank=True, verbose_name=_("latency (ms)")
    )  # measured on CPU at validation
    origin = models.CharField(
        max_length=100, blank=True, verbose_name=_("origin")
    )  # "partner-api", "admin", "study:12"
    # Derived on save, so ranking thousands of versions reads plain columns, not JSON.
    flavor_mask = models.PositiveIntegerField(default=0, verbose_name=_("flavors (bits)"))
    latency_b1_ms = models.FloatField(
        null=True, blank=True, verbose_name=_("latency at batch 1 (ms)")
    )
    claimed_score = models.FloatField(null=True, blank=True, verbose_name=_("claimed score"))
    inputs_key = models.CharField(max_length=40, blank=True, verbose_name=_("inputs fingerprint"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    validated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("validated"))

    objects = ModelVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["family", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="model_version_unique"),
        ]
        indexes = [models.Index(fields=["state", "family"])]

    def __str__(self):
        return f"{self.family.name} {self.label}"

    def save(self, *args, **kwargs):
        self.derive()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def derive(self):
        from deployment.models.compute import flavor_mask

        self.flavor_mask = flavor_mask(self.flavors or [])
        self.latency_b1_ms = (self.latency_ms or {}).get("batch_1")
        self.claimed_score = metric_score(self.claimed_metrics or {})
        canonical = json.dumps(self.input_columns or [], sort_keys=True, ensure_ascii=False)
        self.inputs_key = hashlib.sha1(canonical.encode(), usedforsecurity=False).hexdigest()

    @property
    def label(self):
        """The version as people read it: the vendor's own number, or for a company's own model
        where it came from ("feasibility study 1 · NPU-ready") instead of ``study-1-npu``."""
        kind, _colon, source = (self.origin or "").partition(":")
        if self.family.company_id is None or kind not in OWN_ORIGINS:
            return self.version
        text = OWN_ORIGINS[kind] % {"n": source}
        if self.version.endswith("-npu"):
            text = f"{text} · {NPU_READY}"
        return text

    @property
    def artifact_path(self):
        return artifact_path(self.sha256)

    @property
    def latency_batch_1(self):
        return (self.latency_ms or {}).get("batch_1")


DERIVED_FIELDS = ("flavor_mask", "latency_b1_ms", "claimed_score", "inputs_key")
# Metrics a vendor may claim, each mapped to 0 (no better than guessing) … 1 (perfect).
METRIC_SCALES = {
    "roc_auc": lambda v: (v - 0.5) / 0.5,
    "r2": lambda v: v,
    "f1": lambda v: v,
    "accuracy": lambda v: v,
    "balanced_accuracy": lambda v: (v - 0.5) / 0.5,
    "pr_auc": lambda v: v,
}


def metric_score(metrics):
    """The first metric OneStop can put on a 0–1 scale, or None."""
    for name, scale in METRIC_SCALES.items():
        value = metrics.get(name)
        if isinstance(value, int | float):
            return max(0.0, min(1.0, float(scale(value))))
    return None


def artifact_path(sha256):
    """Artifacts are stored by content hash: one file per distinct model, names never forged."""
    return Path(settings.ONESTOP_MODEL_ROOT) / sha256[:2] / f"{sha256}.onnx"
