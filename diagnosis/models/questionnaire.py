from django.db import models
from django.utils.translation import gettext_lazy as _

from diagnosis.questionnaire import spec as spec_module


class QuestionnaireQuerySet(models.QuerySet):
    def latest_of(self, code):
        return self.filter(code=code).order_by("-version").first()


class Questionnaire(models.Model):
    """A published questionnaire version: the validated content of one file in
    ``diagnosis/content/``, stored whole. Never edited; a change is a new version."""

    code = models.SlugField(_("code"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    content = models.JSONField(_("content"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="questionnaire_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def spec(self):
        """The parsed content. Versions are immutable, so the parse is cached per process by
        the content's hash."""
        key = self.sha256
        if key not in _SPECS:
            parsed = spec_module.parse(self.content)
            _SPECS[key] = parsed.__class__(**{**parsed.__dict__, "sha256": self.sha256})
        return _SPECS[key]


_SPECS = {}
