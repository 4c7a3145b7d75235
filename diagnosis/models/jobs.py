"""What every piece of background work a person starts has in common: a data check's profile,
a feasibility study, a measurement of a model on the company's data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class BackgroundJob(models.Model):
    """Work a Celery task does for a person: its state, progress and, on failure, the reason
    in the language of the person who started it."""

    language = models.CharField(max_length=10, default="ko", verbose_name=_("language"))
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    progress_message = models.CharField(
        max_length=200, blank=True, verbose_name=_("progress message")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))

    class Meta:
        abstract = True

    @property
    def is_active(self):
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)
