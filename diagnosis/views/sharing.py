from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnosis.services.sharing import share_grant, share_revoke
from onestop.models import Partner
from onestop.views.access import company_owner_required


@company_owner_required
@require_POST
def share_grant_view(request):
    partner_id = request.POST.get("partner", "")
    if not partner_id.isdigit() or not 0 < int(partner_id) < 2**63:
        raise Http404
    partner = get_object_or_404(Partner, pk=int(partner_id))
    share_grant(company=request.current.company, partner=partner, user=request.user)
    messages.success(
        request, _("%(partner)s can now read your diagnosis results.") % {"partner": partner}
    )
    return redirect("diagnosis:home")


@company_owner_required
@require_POST
def share_revoke_view(request, pk):
    share = get_object_or_404(request.current.company.diagnosis_shares, pk=pk)
    share_revoke(share=share, user=request.user)
    messages.success(request, _("%(partner)s no longer has access.") % {"partner": share.partner})
    return redirect("diagnosis:home")
