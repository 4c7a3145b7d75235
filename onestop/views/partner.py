from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onestop import shown_once
from onestop.forms import ApiKeyForm
from onestop.models import PartnerMembership
from onestop.services.api_keys import api_key_create, api_key_revoke
from onestop.views.access import partner_member_required


def _require_partner_owner(request):
    if request.partner_membership.role != PartnerMembership.Role.OWNER:
        raise PermissionDenied("Only the partner's owners manage API keys.")


def _partner_page(request, form, status=200):
    partner = request.partner_membership.partner
    context = {
        "partner": partner,
        "membership": request.partner_membership,
        "keys": partner.api_keys.select_related("created_by"),
        "form": form,
    }
    return render(request, "partner/home.html", context, status=status)


@partner_member_required
def partner_home(request):
    return _partner_page(request, ApiKeyForm())


@partner_member_required
@require_POST
def partner_key_create(request):
    _require_partner_owner(request)
    partner = request.partner_membership.partner
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _partner_page(request, form, status=400)
    key, raw = api_key_create(partner=partner, name=form.cleaned_data["name"], actor=request.user)
    # Shown once, after a redirect: reloading the page must not create a second key.
    shown_once.hand_over(request, "api_key", key.pk, raw)
    return redirect("partner_key_created", pk=key.pk)


@never_cache  # the page holds a live key: no back-button or disk cache copy
@partner_member_required
def partner_key_created(request, pk):
    """The new key, once. A reload says it was shown and how to get another."""
    _require_partner_owner(request)
    key = get_object_or_404(request.partner_membership.partner.api_keys, pk=pk)
    raw = shown_once.take(request, "api_key", key.pk)
    return render(request, "partner/key_created.html", {"key": key, "raw_key": raw})


@partner_member_required
@require_POST
def partner_key_revoke(request, pk):
    _require_partner_owner(request)
    key = get_object_or_404(request.partner_membership.partner.api_keys, pk=pk)
    api_key_revoke(key=key, actor=request.user)
    messages.success(
        request, _("Key %(key)s revoked. Requests with it now fail.") % {"key": key.display_prefix}
    )
    return redirect("partner_home")
