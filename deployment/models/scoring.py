import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ScoringJobQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def active(self):
        return self.filter(state__in=ScoringJob.ACTIVE)


class ScoringDrop(models.Model):
    """An endpoint's drop folder: files a plant's system puts in its inbox are scored as they
    arrive, and the scored files appear in its outbox. The folder lives under the operator's
    ``ONESTOP_DROP_ROOT`` (where the plant's share is mounted, on a OneStop installed on its
    premises), one per endpoint."""

    company = models.ForeignKey(
        "onestop.Company", on_delete=models.CASCADE, related_name="scoring_drops"
    )
    endpoint = models.OneToOneField(
        "deployment.Endpoint", on_delete=models.CASCADE, related_name="scoring_drop"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_scan_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("drop folder")
        verbose_name_plural = _("drop folders")

    def __str__(self):
        return str(self.folder)

    @property
    def folder(self):
        return Path(settings.ONESTOP_DROP_ROOT) / str(self.company_id) / self.endpoint.name

    @property
    def place(self):
        """Where the folder is under the drop root: what the company's IT staff is told (the
        server's own paths are the operator's business)."""
        return f"{self.company_id}/{self.endpoint.name}"

    @property
    def inbox(self):
        return self.folder / "inbox"

    @property
    def outbox(self):
        return self.folder / "outbox"


class ScoringJob(models.Model):
    """A file scored by a deployed model as preemptible work: the endpoint's model runs over the
    file's rows in chunks on units the allocation engine admits (idle ones of others' included),
    each chunk's answers kept as soon as it is done, so a job whose units are taken back resumes
    at the next chunk; the result is the file with the predictions added, as CSV."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for units")
        RUNNING = "running", _("Scoring")
        STOPPING = "stopping", _("Stopping at its checkpoint")
        READY = "ready", _("Finished")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped")

    ACTIVE = (State.WAITING, State.RUNNING, State.STOPPING)

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="scoring_jobs",
        verbose_name=_("company"),
    )
    endpoint = models.ForeignKey(
        "deployment.Endpoint",
        on_delete=models.CASCADE,
        related_name="scoring_jobs",
        verbose_name=_("endpoint"),
    )
    # The model the rows are scored with: the endpoint's when the job started.
    version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("version"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    language = models.CharField(max_length=10, default="ko", verbose_name=_("language"))
    key = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("stored file")
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    units = models.PositiveSmallIntegerField(_("units"), default=1)
    pool = models.ForeignKey(
        "deployment.ComputePool",
        on_delete=models.PROTECT,
        related_name="scoring_jobs",
        verbose_name=_("pool"),
    )
    workload = models.OneToOneField(
        "deployment.Workload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scoring_job",
        verbose_name=_("workload"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    # Chunks of rows; a chunk's answers are written whole once it is scored (the checkpoint).
    step = models.PositiveIntegerField(default=0, verbose_name=_("step"))
    steps = models.PositiveIntegerField(default=0, verbose_name=_("steps"))
    runs = models.JSONField(default=list, blank=True, verbose_name=_("runs"))
    rows = models.PositiveBigIntegerField(default=0, verbose_name=_("rows"))
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    progress_message = models.CharField(
        max_length=200, blank=True, verbose_name=_("progress message")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    used_unit_seconds = models.FloatField(default=0, verbose_name=_("unit-seconds used"))
    attempt = models.PositiveIntegerField(default=0, verbose_name=_("attempt"))
    run_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("run started"))
    stop_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("stop requested")
    )
    # The Ray job of the current run, on a pool backed by a cluster.
    ray_submission_id = models.CharField(
        max_length=100, blank=True, verbose_name=_("cluster job id")
    )
    # A file taken from a drop folder: its answer goes back to the folder's outbox.
    drop = models.ForeignKey(
        ScoringDrop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("drop"),
    )
    # The dropped file's identity (name, inode, size, time): a file is scored once.
    drop_key = models.CharField(max_length=64, blank=True, verbose_name=_("drop file"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered"))
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    expires_at = models.DateTimeField(_("deleted on"))

    objects = ScoringJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch scoring job")
        verbose_name_plural = _("batch scoring jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self):
        return self.original_name

    @property
    def is_active(self):
        return self.state in self.ACTIVE

    @property
    def folder(self):
        return Path(settings.ONESTOP_DATA_ROOT) / str(self.company_id) / "scoring" / str(self.key)

    @property
    def source_path(self):
        return self.folder / "source"

    @property
    def chunks_folder(self):
        return self.folder / "chunks"

    @property
    def result_path(self):
        return self.folder / "scored.csv"

    @property
    def stop_path(self):
        return self.folder / "stop"

    @property
    def used_unit_hours(self):
        return self.used_unit_seconds / 3600
