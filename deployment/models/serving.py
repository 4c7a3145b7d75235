import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ENDPOINT_KEY_PREFIX = "ep"


def new_generation():
    return secrets.token_hex(16)


class Endpoint(models.Model):
    """A model version served over the Open Inference Protocol for one company's applications."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        VALIDATING = "validating", _("Validating")
        PROVISIONING = "provisioning", _("Provisioning")
        WARMING = "warming", _("Warming up")
        READY = "ready", pgettext_lazy("endpoint state", "Ready")
        # On a Ray cluster that stopped answering: back to ready by itself when it returns.
        DEGRADED = "degraded", _("Degraded")
        STOPPED = "stopped", _("Stopped")
        FAILED = "failed", _("Failed")
        DELETED = "deleted", _("Deleted")

    # The deploy pipeline's steps in order, with how far along each one puts the progress bar.
    PIPELINE = (State.PENDING, State.VALIDATING, State.PROVISIONING, State.WARMING, State.READY)
    # States a worker is meant to move on from; one found here past its deadline was
    # abandoned (a worker killed mid-step) and the sweeper retries or fails it.
    IN_FLIGHT = (State.PENDING, State.VALIDATING, State.PROVISIONING, State.WARMING)

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="endpoints",
        verbose_name=_("company"),
    )
    name = models.SlugField(_("name"), max_length=100, help_text=_("The model name clients call."))
    version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.PROTECT,
        related_name="endpoints",
        verbose_name=_("version"),
    )
    # A roll warms the next version while the current one keeps serving; a rollback swaps
    # back to the previous one.
    next_version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("next version"),
    )
    previous_version = models.ForeignKey(
        "deployment.ModelVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous version"),
    )
    pool = models.ForeignKey(
        "deployment.ComputePool",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pool"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    next_step = models.TextField(blank=True, verbose_name=_("next step"))
    deadline_ms = models.PositiveIntegerField(_("deadline per request (ms)"), default=2000)
    min_replicas = models.PositiveSmallIntegerField(_("minimum replicas"), default=1)
    max_replicas = models.PositiveSmallIntegerField(_("maximum replicas"), default=1)
    units_per_replica = models.PositiveSmallIntegerField(_("units per replica"), default=1)
    # Dynamic batching: off when the largest batch is 1.
    batch_max_size = models.PositiveSmallIntegerField(_("largest batch"), default=1)
    batch_max_delay_ms = models.PositiveSmallIntegerField(_("longest queue wait (ms)"), default=0)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    # Renewed when the endpoint stops or goes: its replicas' token changes with it
    # (deployment/compute/tokens.py).
    replica_generation = models.CharField(
        max_length=32, default=new_generation, editable=False, verbose_name=_("replica generation")
    )
    state_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("state changed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")
        ordering = ["name"]
        constraints = [
            # A deleted endpoint's name is free again; its usage stays for the grant's records.
            models.UniqueConstraint(
                fields=["name"], condition=~Q(state="deleted"), name="endpoint_name_unique_live"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def on_cluster(self):
        """Whether its replicas run on a provider's Ray cluster (else in OneStop's process)."""
        return self.pool_id is not None and bool(self.pool.cluster_dashboard_url)

    @property
    def emulated(self):
        """Whether a CPU stands in for the pool's accelerator: replicas on nodes without the
        flavor's execution provider, or OneStop's own process without the flavor's runtime."""
        from deployment.models.compute import FLAVOR_SPECS

        if self.pool_id is None:
            return False
        if not self.on_cluster:
            return self.pool.emulated
        live = [r for r in self.cluster_replicas.all() if r.lost_at is None]
        if live:
            return any(r.emulated for r in live)
        # ONNX Runtime has no execution provider for the NPUs: their replicas run on CPU.
        return FLAVOR_SPECS[self.pool.flavor]["ray_resource"] not in ("CPU", "GPU")

    @property
    def progress(self):
        """How far along the deploy pipeline the endpoint is, 0–100."""
        if self.state in self.PIPELINE:
            return round(100 * self.PIPELINE.index(self.state) / (len(self.PIPELINE) - 1))
        return 0


class EndpointEvent(models.Model):
    """One step in an endpoint's life, shown as its history in the portal."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(max_length=12, choices=Endpoint.State.choices)
    message = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-at"])]

    def __str__(self):
        return f"{self.endpoint_id}: {self.state}"


class EndpointReplica(models.Model):
    """A replica of an endpoint running on its pool's Ray cluster, as the replica reported
    itself when it started: where the gateway reaches it and what it runs on. A replica that
    stopped answering is kept, marked lost, so the endpoint's history can say what happened."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="cluster_replicas"
    )
    ray_replica = models.CharField(_("Ray replica"), max_length=64)
    address = models.CharField(_("address"), max_length=200)
    pid = models.PositiveIntegerField(null=True, blank=True)
    # ONNX Runtime's execution provider, and whether the flavor's accelerator is only emulated
    # (the model runs on the node's CPU).
    provider = models.CharField(_("execution provider"), max_length=40)
    sha256 = models.CharField(max_length=64, blank=True)  # of the model version it runs
    emulated = models.BooleanField(_("emulated"), default=False)
    started_at = models.DateTimeField(default=timezone.now)
    lost_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("endpoint replica")
        verbose_name_plural = _("endpoint replicas")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "ray_replica"], name="endpoint_replica_unique"
            ),
        ]

    def __str__(self):
        return f"{self.endpoint_id}: {self.ray_replica}"


class EndpointKey(models.Model):
    """A client application's credential for one endpoint: ``ep_<public id>_<secret>``, the
    secret stored as an HMAC and shown once."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=100)
    public_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{ENDPOINT_KEY_PREFIX}_{self.public_id}…"

    @staticmethod
    def hash_secret(secret):
        return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def issue(cls, endpoint, name="default"):
        """(key, the full key string): the only time the secret exists outside the client."""
        public_id, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
        key = cls.objects.create(
            endpoint=endpoint, name=name, public_id=public_id, secret_hash=cls.hash_secret(secret)
        )
        return key, f"{ENDPOINT_KEY_PREFIX}_{public_id}_{secret}"

    @classmethod
    def find(cls, raw):
        prefix, _sep, rest = raw.partition("_")
        public_id, _sep, secret = rest.partition("_")
        if prefix != ENDPOINT_KEY_PREFIX or not public_id or not secret:
            return None
        key = (
            cls.objects.filter(public_id=public_id, revoked_at__isnull=True)
            .select_related("endpoint__version", "endpoint__pool")
            .first()
        )
        if key is None or not hmac.compare_digest(key.secret_hash, cls.hash_secret(secret)):
            return None
        return key


class EndpointUsage(models.Model):
    """Requests to one endpoint in one minute (``period`` = "minute") or one hour ("hour"):
    counts, compute time and a latency histogram whose buckets are
    ``deployment.serving.tallies.BUCKETS_MS``, so percentiles survive merging."""

    class Period(models.TextChoices):
        MINUTE = "minute", _("minute")
        HOUR = "hour", _("hour")
        # Lifetime totals of the rolled hours; ``start`` is where the minutes take over.
        TOTAL = "total", _("total")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="usage")
    period = models.CharField(max_length=6, choices=Period.choices)
    start = models.DateTimeField()
    requests = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    compute_ms = models.FloatField(default=0)
    latency_ms = models.FloatField(default=0)  # summed, for the mean and Prometheus' _sum
    latency_buckets = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "period", "start"], name="endpoint_usage_unique_period"
            )
        ]
        indexes = [models.Index(fields=["period", "start"])]

    def __str__(self):
        return f"{self.endpoint_id} {self.period} {self.start:%Y-%m-%d %H:%M}"
