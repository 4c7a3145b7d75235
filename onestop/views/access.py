"""Who may open a page. Role-gated pages answer 403; objects of another tenant answer 404
(their existence is not revealed)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from onestop.models import PartnerMembership
from onestop.roles import is_desk_member
from onestop.tenancy import current_membership


def company_member_required(view):
    """The person works in a company; ``request.current`` is their membership."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = current_membership(request)
        if membership is None:
            return redirect(landing_for(request.user))
        request.current = membership
        return view(request, *args, **kwargs)

    return wrapper


def company_owner_required(view):
    @company_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.current.is_owner:
            raise PermissionDenied("Only the company's owners can do this.")
        return view(request, *args, **kwargs)

    return wrapper


def staff_desk_required(view):
    """Consultants and programme officers (see ``onestop.roles``)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_desk_member(request.user):
            raise PermissionDenied("This page is for consultants and programme officers.")
        return view(request, *args, **kwargs)

    return wrapper


def partner_member_required(view):
    """``request.partner_membership`` is the person's partner membership."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = PartnerMembership.objects.first_for(request.user)
        if membership is None:
            raise PermissionDenied("This page is for partner organisations.")
        request.partner_membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def landing_for(user):
    """Where a signed-in person without a current company belongs."""
    if is_desk_member(user):
        return "consultant_companies"
    if PartnerMembership.objects.filter(user=user).exists():
        return "partner_home"
    return "company_new"
