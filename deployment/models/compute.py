from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.korea import Region


class Flavor(models.TextChoices):
    NVIDIA_H200 = "nvidia-h200", "NVIDIA H200"
    NVIDIA_A100 = "nvidia-a100", "NVIDIA A100"
    RBLN_ATOM = "rbln-atom", "Rebellions ATOM"
    FURIOSA_RNGD = "furiosa-rngd", "FuriosaAI RNGD"
    CPU = "cpu", "CPU"


# kind, domestic, how it runs ONNX, and a rough speed-up over this server's CPU used only for
# cost estimates until an endpoint measures the real latency.
FLAVOR_SPECS = {
    Flavor.NVIDIA_H200: {
        "kind": "gpu",
        "domestic": False,
        "runtime": "CUDAExecutionProvider",
        "speedup": 8.0,
        "ray_resource": "GPU",
    },
    Flavor.NVIDIA_A100: {
        "kind": "gpu",
        "domestic": False,
        "runtime": "CUDAExecutionProvider",
        "speedup": 5.0,
        "ray_resource": "GPU",
    },
    Flavor.RBLN_ATOM: {
        "kind": "npu",
        "domestic": True,
        "runtime": "rebel",
        "speedup": 4.0,
        "ray_resource": "RBLN",
    },
    Flavor.FURIOSA_RNGD: {
        "kind": "npu",
        "domestic": True,
        "runtime": "furiosa",
        "speedup": 4.0,
        "ray_resource": "FURIOSA",
    },
    Flavor.CPU: {
        "kind": "cpu",
        "domestic": False,
        "runtime": "CPUExecutionProvider",
        "speedup": 1.0,
        "ray_resource": "CPU",
    },
}


FLAVOR_BITS = {flavor: 1 << i for i, flavor in enumerate(Flavor.values)}


def flavor_mask(flavors):
    """The flavors as bits, so a ranking tests thousands of versions against a pool at once."""
    return sum(FLAVOR_BITS.get(f, 0) for f in set(flavors))


def runtime_installed(flavor):
    """Whether this server can run the flavor's runtime itself (else it is emulated on CPU)."""
    runtime = FLAVOR_SPECS[flavor]["runtime"]
    if runtime.endswith("ExecutionProvider"):
        import onnxruntime

        return runtime in onnxruntime.get_available_providers()
    import importlib.util

    return importlib.util.find_spec(runtime) is not None


class ComputePoolQuerySet(models.QuerySet):
    def reporting(self, now=None):
        """Pools whose provider reported recently: the ones a company can be matched to."""
        cutoff = (now or timezone.now()) - timedelta(
            seconds=settings.ONESTOP_POOL_HEARTBEAT_SECONDS
        )
        return self.filter(last_heartbeat__gte=cutoff, unavailable_reason="")


class ComputePool(models.Model):
    """Accelerators a compute provider offers: how many, what they cost, where they are."""

    class Purpose(models.TextChoices):
        TRAINING = "training", _("training")
        INFERENCE = "inference", _("inference")
        BOTH = "both", _("training and inference")

    provider = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.PROTECT,
        related_name="pools",
        verbose_name=_("provider"),
    )
    name = models.CharField(_("name"), max_length=200)
    flavor = models.CharField(_("flavor"), max_length=20, choices=Flavor.choices)
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.BOTH
    )
    capacity_units = models.PositiveIntegerField(_("capacity (units)"))
    h100_factor = models.DecimalField(
        _("H100-equivalent per unit"), max_digits=6, decimal_places=3, default=1
    )
    price_per_unit_hour = models.DecimalField(
        _("price per unit-hour (KRW)"), max_digits=12, decimal_places=0
    )
    region = models.CharField(
        _("region"),
        max_length=50,
        choices=[*Region.choices, ("overseas", _("Overseas"))],
        help_text=_("Where the machines are: a Korean region, or overseas."),
    )
    runtime = models.CharField(_("runtime"), max_length=100, blank=True)
    local = models.BooleanField(
        _("served by this server"),
        default=False,
        help_text=_("This server runs the pool's models itself and reports its heartbeat."),
    )
    # A pool backed by a Ray cluster its provider runs: OneStop reads the cluster's state from
    # its dashboard (with the token when the cluster requires one) and serves through it.
    cluster_dashboard_url = models.URLField(
        _("Ray dashboard address"),
        blank=True,
        help_text=_("For example http://ray-head.example:8265. Leave empty for a local pool."),
    )
    cluster_serve_url = models.URLField(
        _("Ray Serve address"),
        blank=True,
        help_text=_("The cluster's Serve HTTP ingress, for example http://ray-head.example:8000."),
    )
    cluster_token = models.CharField(
        _("Ray cluster token"),
        max_length=200,
        blank=True,
        help_text=_("The cluster's authentication token, when it requires one."),
    )
    last_heartbeat = models.DateTimeField(null=True, blank=True, verbose_name=_("last heartbeat"))
    heartbeat = models.JSONField(default=dict, blank=True, verbose_name=_("heartbeat"))
    # Why the pool cannot take work now (its cluster did not answer, ...); empty when it can.
    unavailable_reason = models.CharField(_("why unavailable"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    objects = ComputePoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("compute pool")
        verbose_name_plural = _("compute pools")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="pool_unique_per_provider"),
            models.CheckConstraint(
                condition=models.Q(price_per_unit_hour__gte=0), name="pool_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(local=True) | models.Q(cluster_dashboard_url=""),
                name="pool_local_or_cluster",
                violation_error_message=_(
                    "A pool served by this server cannot also be on a Ray cluster."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_flavor_display()})"

    @property
    def kind(self):
        return FLAVOR_SPECS[self.flavor]["kind"]

    @property
    def domestic(self):
        return FLAVOR_SPECS[self.flavor]["domestic"]

    @property
    def in_korea(self):
        return self.region != "overseas"

    @property
    def on_cluster(self):
        """Backed by a Ray cluster (else local, or a provider that reports by API)."""
        return bool(self.cluster_dashboard_url)

    @property
    def ray_resource(self):
        return FLAVOR_SPECS[self.flavor]["ray_resource"]

    @property
    def is_available(self):
        if self.last_heartbeat is None or self.unavailable_reason:
            return False
        age = timezone.now() - self.last_heartbeat
        return age.total_seconds() <= settings.ONESTOP_POOL_HEARTBEAT_SECONDS

    @property
    def emulated(self):
        """True when this server runs the flavor's models on its CPU instead."""
        return not runtime_installed(self.flavor)
