import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """An organisation that works with OneStop through the API: it publishes models,
    provides compute, or integrates deployments for manufacturers."""

    class Kind(models.TextChoices):
        MODEL_VENDOR = "model_vendor", _("Model vendor")
        COMPUTE_PROVIDER = "compute_provider", _("Compute provider")
        INTEGRATOR = "integrator", _("Integrator")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name


class PartnerMembershipQuerySet(models.QuerySet):
    def first_for(self, user):
        """The person's partner membership (the first by partner name when they have several),
        or None."""
        return self.filter(user=user).select_related("partner").order_by("partner__name").first()


class PartnerMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_memberships",
        verbose_name=_("person"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    objects = PartnerMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partner"], name="partner_membership_unique_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} @ {self.partner}"


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A partner's credential: ``os_<public id>_<secret>``.

    The public id is stored as is, so a key can be found and shown ("os_3fA9…"); the secret
    only as an HMAC-SHA256, so the full key exists only in the response that created it. The
    recognisable ``os_`` prefix lets secret scanners find leaked keys.
    """

    PUBLIC_ID_BYTES = 6
    SECRET_BYTES = 24

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=100)
    public_id = models.CharField(
        max_length=16, unique=True, editable=False, verbose_name=_("public id")
    )
    secret_hash = models.CharField(
        max_length=64, editable=False, verbose_name=_("secret fingerprint")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self):
        return f"{settings.API_KEY_PREFIX}_{self.public_id}…"

    display_prefix.fget.short_description = _("key begins with")

    @property
    def is_active(self):
        return self.revoked_at is None

    @staticmethod
    def hash_secret(secret):
        return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def generate(cls):
        """Return (public_id, secret, full key)."""
        public_id = secrets.token_hex(cls.PUBLIC_ID_BYTES)
        secret = secrets.token_urlsafe(cls.SECRET_BYTES)
        return public_id, secret, f"{settings.API_KEY_PREFIX}_{public_id}_{secret}"

    @staticmethod
    def split(raw_key):
        """(public_id, secret) from a presented key, or None when it is not shaped like one."""
        prefix, sep, rest = raw_key.partition("_")
        if prefix != settings.API_KEY_PREFIX or not sep:
            return None
        public_id, sep, secret = rest.partition("_")
        if not sep or not public_id or not secret:
            return None
        return public_id, secret

    def matches(self, secret):
        return hmac.compare_digest(self.secret_hash, self.hash_secret(secret))

    def touch(self, *, now=None):
        """Record use at most once a minute, so a busy key does not write on every request."""
        now = now or timezone.now()
        stale = models.Q(last_used_at__isnull=True) | models.Q(
            last_used_at__lt=now - timezone.timedelta(minutes=1)
        )
        if ApiKey.objects.filter(stale, pk=self.pk).update(last_used_at=now):
            self.last_used_at = now
