import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.korea import (
    EmployeeBand,
    Region,
    ksic_division_label,
    ksic_section_of,
    validate_ksic_division,
    validate_registration_number,
)
from onestop.models.user import User


class CompanyQuerySet(models.QuerySet):
    def for_member(self, user):
        return self.filter(memberships__user=user)


class Company(models.Model):
    """The tenant: a manufacturer that uses OneStop. Every tenant object hangs off one."""

    # What the company's owners (and sign-up) fill in.
    PROFILE_FIELDS = (
        "name",
        "registration_number",
        "ksic_division",
        "employee_band",
        "region",
        "contact_name",
        "contact_email",
        "contact_phone",
    )

    name = models.CharField(_("company name"), max_length=200)
    registration_number = models.CharField(
        _("business registration number"),
        max_length=10,
        unique=True,
        validators=[validate_registration_number],
        help_text=_("10 digits (사업자등록번호)."),
    )
    ksic_division = models.CharField(
        _("industry (KSIC division)"), max_length=2, validators=[validate_ksic_division]
    )
    employee_band = models.CharField(_("employees"), max_length=10, choices=EmployeeBand.choices)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_number__regex=r"^[0-9]{10}$"),
                name="company_registration_number_digits",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def ksic_section(self):
        """The section letter follows from the division code, so it is derived, not stored."""
        return ksic_section_of(self.ksic_division) or ""

    @property
    def industry_label(self):
        return (
            f"{self.ksic_section}{self.ksic_division} · {ksic_division_label(self.ksic_division)}"
        )

    @property
    def registration_number_display(self):
        n = self.registration_number
        return f"{n[:3]}-{n[3:5]}-{n[5:]}" if len(n) == 10 else n

    def active_members(self):
        """The company's people who can sign in, by name."""
        return User.objects.filter(memberships__company=self, is_active=True).order_by(
            "full_name", "pk"
        )

    def consultants(self):
        """The desk members assigned to the company who still work at the desk, by name."""
        return User.objects.filter(
            assignments__company=self, is_active=True, is_staff=True
        ).order_by("full_name", "pk")


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["company__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    @property
    def is_owner(self):
        return self.role == self.Role.OWNER


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )

    def by_token(self, token):
        return self.filter(token_hash=Invitation.hash_token(token))


class Invitation(models.Model):
    """An owner's invitation of a teammate by e-mail link. Only a hash of the link's token is
    stored, so a database leak does not hand out memberships."""

    VALID_FOR = timedelta(days=7)

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("company")
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token_hash = models.CharField(
        max_length=64, unique=True, editable=False, verbose_name=_("token fingerprint")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    expires_at = models.DateTimeField(verbose_name=_("expires"))
    accepted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("accepted"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked"))

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and company; re-inviting replaces it.
            models.UniqueConstraint(
                "company",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.company}"

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired
