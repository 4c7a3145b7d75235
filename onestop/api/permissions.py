from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from onestop.models import ApiKey, PartnerMembership


class ActsForPartner(BasePermission):
    """The request acts for a partner: with one of its API keys, or as one of its members.
    Sets ``request.partner`` and ``request.partner_role`` ("key", "owner" or "member")."""

    message = _("This endpoint is for partner organisations.")

    def has_permission(self, request, view):
        if isinstance(request.auth, ApiKey):
            request.partner, request.partner_role = request.auth.partner, "key"
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        membership = PartnerMembership.objects.first_for(request.user)
        if membership is None:
            return False
        request.partner, request.partner_role = membership.partner, membership.role
        return True


class ManagesPartner(ActsForPartner):
    """Changing the partner itself or its keys: its owners, signed in as people. An API key
    cannot mint or revoke keys, so revoking a leaked key locks its holder out."""

    message = _("Only the partner's owners, signed in, can do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.partner_role == "owner"


class ManagesPartnerOnWrite(ActsForPartner):
    """Reading is for the partner's members and keys; changing is for its owners and keys."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return request.partner_role in ("owner", "key")
