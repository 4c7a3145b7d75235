from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def submitted(self):
        return self.filter(status=Assessment.Status.SUBMITTED)

    def latest_submitted(self, company):
        """The company's latest submitted stage, with its result and questionnaire, or None."""
        return (
            self.for_company(company)
            .submitted()
            .select_related("result", "questionnaire")
            .order_by("-stage")
            .first()
        )

    def visible_to_staff(self, user):
        from onestop.roles import companies_seen_by

        return self.filter(company__in=companies_seen_by(user))


class Assessment(models.Model):
    """One diagnosis of one company at one stage: T0 before support starts, T1 and T2 after."""

    class Stage(models.TextChoices):
        T0 = "T0", _("T0 · before support")
        T1 = "T1", _("T1 · during support")
        T2 = "T2", _("T2 · after support")

    class Status(models.TextChoices):
        OPEN = "open", _("Answering")
        SUBMITTED = "submitted", _("Submitted")

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("company"),
    )
    questionnaire = models.ForeignKey(
        "diagnosis.Questionnaire",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("questionnaire"),
    )
    stage = models.CharField(_("stage"), max_length=2, choices=Stage.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["company", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["company", "stage"], name="assessment_one_per_stage"),
            models.CheckConstraint(
                condition=models.Q(status="open", submitted_at__isnull=True)
                | models.Q(status="submitted", submitted_at__isnull=False),
                name="assessment_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.company} · {self.stage}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class Respondent(models.Model):
    """A teammate who answers an assessment on their own."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="respondents"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user"], name="respondent_once_per_assessment"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.assessment}"


class Answer(models.Model):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(_("question"), max_length=80)
    value = models.JSONField(_("answer"), null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "question"], name="answer_once_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable=False) | models.Q(value__isnull=True),
                name="answer_na_has_no_value",
            ),
        ]

    def __str__(self):
        return f"{self.question}: {'N/A' if self.not_applicable else self.value}"


class AssessmentResult(models.Model):
    """The scores at submission: a snapshot, recomputable from the answers and the version."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="result")
    overall = models.FloatField(_("overall score"), null=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True)
    dimensions = models.JSONField(_("dimension scores"))
    questions = models.JSONField(_("question medians"))
    kpi_importance = models.JSONField(_("KPI importance"), default=dict)
    respondent_count = models.PositiveSmallIntegerField(_("respondents"))
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")

    def __str__(self):
        return f"{self.assessment}: {self.overall}"


class ReviewComment(models.Model):
    """A consultant's comment on an assessment, optionally on one dimension."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dimension = models.CharField(_("dimension"), max_length=80, blank=True)
    text = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.author}: {self.text[:40]}"


class DiagnosisShare(models.Model):
    """A company lets a partner (an integrator, say) read its diagnoses through the API."""

    company = models.ForeignKey(
        "onestop.Company", on_delete=models.CASCADE, related_name="diagnosis_shares"
    )
    partner = models.ForeignKey(
        "onestop.Partner", on_delete=models.CASCADE, related_name="diagnosis_shares"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("diagnosis share")
        verbose_name_plural = _("diagnosis shares")
        constraints = [
            models.UniqueConstraint(fields=["company", "partner"], name="share_once_per_partner"),
        ]

    def __str__(self):
        return f"{self.company} → {self.partner}"
