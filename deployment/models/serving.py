import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ENDPOINT_KEY_PREFIX = "ep"


class Endpoint(models.Model):
    """A model version served over the Open Inference Protocol for one company's applications."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        VALIDATING = "validating", _("Validating")
        PROVISIONING = "provisioning", _("Provisioning")
        WARMING = "warming", _("Warming up")
        READY = "ready", _("Ready")
        STOPPED = "stopped", _("Stopped")
        FAILED = "failed", _("Failed")

    company = models.ForeignKey(
        "onestop.Company", on_delete=models.CASCADE, related_name="endpoints"
    )
    name = models.SlugField(
        _("name"), max_length=100, unique=True, help_text=_("The model name clients call.")
    )
    version = models.ForeignKey(
        "deployment.ModelVersion", on_delete=models.PROTECT, related_name="endpoints"
    )
    pool = models.ForeignKey(
        "deployment.ComputePool", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    reason = models.TextField(blank=True)
    deadline_ms = models.PositiveIntegerField(_("deadline per request (ms)"), default=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")
        ordering = ["name"]

    def __str__(self):
        return self.name


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
            .select_related("endpoint__version")
            .first()
        )
        if key is None or not hmac.compare_digest(key.secret_hash, cls.hash_secret(secret)):
            return None
        return key
