from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Screening(models.Model):
    """A company's quick start (``diagnosis.questionnaire.screening``): one person's answers to
    a few questions and the scores they give, in the shape of an assessment's result so the
    roadmap and matching read either. Taken again, it is replaced."""

    company = models.OneToOneField(
        "onestop.Company", on_delete=models.CASCADE, related_name="screening"
    )
    questionnaire = models.ForeignKey(
        "diagnosis.Questionnaire", on_delete=models.PROTECT, related_name="screenings"
    )
    answers = models.JSONField(_("answers"))
    overall = models.FloatField(_("overall score"), null=True)
    level = models.PositiveSmallIntegerField(_("level"), null=True)
    dimensions = models.JSONField(_("dimension scores"))
    questions = models.JSONField(_("question scores"))
    kpi_importance = models.JSONField(_("KPI importance"), default=dict)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    updated_at = models.DateTimeField(_("answered"), auto_now=True)

    class Meta:
        verbose_name = _("quick screening")
        verbose_name_plural = _("quick screenings")

    def __str__(self):
        return f"{self.company} · {self.level}"
