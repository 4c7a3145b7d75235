from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingJobQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def active(self):
        return self.filter(state__in=TrainingJob.ACTIVE)


class TrainingJob(models.Model):
    """A model trained on a data check's file, on GPU units the allocation engine admits: its
    own guarantee first, else idle units of others' that may be taken back. Taken back, the
    job stops at its next checkpoint, waits, and resumes from that checkpoint."""

    class Family(models.TextChoices):
        TREES = "trees", _("gradient-boosted trees")
        FOREST = "forest", _("random forest")
        MLP = "mlp", _("small neural network")

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for GPU units")
        RUNNING = "running", _("Training")
        STOPPING = "stopping", _("Stopping at its checkpoint")
        READY = "ready", _("Finished")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped")

    ACTIVE = (State.WAITING, State.RUNNING, State.STOPPING)

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="training_jobs",
        verbose_name=_("company"),
    )
    data_check = models.ForeignKey(
        "diagnosis.DataCheck",
        on_delete=models.CASCADE,
        related_name="training_jobs",
        verbose_name=_("data check"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    language = models.CharField(max_length=10, default="ko", verbose_name=_("language"))
    target = models.CharField(_("target column"), max_length=255)
    excluded = models.JSONField(default=list, blank=True, verbose_name=_("excluded"))
    family = models.CharField(_("model family"), max_length=10, choices=Family.choices)
    units = models.PositiveSmallIntegerField(_("units"), default=1)
    budget_unit_hours = models.PositiveIntegerField(_("budget (unit-hours)"))
    pool = models.ForeignKey(
        "deployment.ComputePool",
        on_delete=models.PROTECT,
        related_name="training_jobs",
        verbose_name=_("pool"),
    )
    workload = models.OneToOneField(
        "deployment.Workload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_job",
        verbose_name=_("workload"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    # Steps of the final fit; a checkpoint is written after each.
    step = models.PositiveSmallIntegerField(default=0, verbose_name=_("step"))
    steps = models.PositiveSmallIntegerField(default=0, verbose_name=_("steps"))
    # The step each run started from: [0, 4] is a run from scratch, then one resumed at step 4.
    runs = models.JSONField(default=list, blank=True, verbose_name=_("runs"))
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    progress_message = models.CharField(
        max_length=200, blank=True, verbose_name=_("progress message")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    # Cross-validated scores of the family and of guessing, as soon as they are known.
    metrics = models.JSONField(null=True, blank=True, verbose_name=_("metrics"))
    result = models.JSONField(null=True, blank=True, verbose_name=_("result"))
    cpu_version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("CPU version"),
    )
    npu_version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("NPU-ready version"),
    )
    used_unit_seconds = models.FloatField(default=0, verbose_name=_("unit-seconds used"))
    attempt = models.PositiveIntegerField(
        default=0, verbose_name=_("attempt")
    )  # runs started; a run's tasks carry it
    run_started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("run started"))
    # When the current run was asked to stop (its units taken back, or a person's Stop).
    stop_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("stop requested")
    )
    # The Ray job of the current run, on a pool backed by a cluster.
    ray_submission_id = models.CharField(
        max_length=100, blank=True, verbose_name=_("cluster job id")
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))

    objects = TrainingJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("training job")
        verbose_name_plural = _("training jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["company", "-created_at"])]

    def __str__(self):
        return f"{self.target} · {self.get_family_display()}"

    @property
    def is_active(self):
        return self.state in self.ACTIVE

    @property
    def folder(self):
        """The job's checkpoints, inside the data check's folder (deleted with it)."""
        return self.data_check.folder / "training" / str(self.pk)

    @property
    def checkpoint_path(self):
        return self.folder / "checkpoint.pkl"

    @property
    def cluster_checkpoint_path(self):
        # Kept apart from the local one: OneStop never unpickles what a cluster sent, only
        # gives it back to the job's next run on that cluster.
        return self.folder / "cluster-checkpoint.bin"

    @property
    def stop_path(self):
        """The flag a local run checks between steps: present, it stops at its checkpoint."""
        return self.folder / "stop"

    @property
    def used_unit_hours(self):
        return self.used_unit_seconds / 3600

    @property
    def resumed_from(self):
        """The step the latest run resumed from, or None when it started from scratch."""
        return self.runs[-1] if len(self.runs) > 1 else None
