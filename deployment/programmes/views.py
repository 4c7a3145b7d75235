"""The company's programmes page, with its grants and why its work ran or waited, and its
request not to be cut for a quarter."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.models import Grant
from deployment.programmes.exemptions import exemption_request
from deployment.programmes.forms import ExemptionForm
from deployment.programmes.grants import events_of, grants_of
from onestop.models import Application, Programme
from onestop.services.programmes import reports_due
from onestop.views.access import company_member_required, company_owner_required


@company_member_required
def programmes(request):
    company = request.current.company
    return render(
        request,
        "programmes/index.html",
        {
            "programmes": Programme.objects.filter(open_for_applications=True).prefetch_related(
                "flavors"
            ),
            "applications": Application.objects.filter(company=company).select_related("programme"),
            "reports_due": reports_due(company),
            "grants": grants_of(company),
            "events": events_of(company),
        },
    )


@company_owner_required
@require_POST
def grant_exemption(request, pk):
    grant = get_object_or_404(Grant.objects.filter(company=request.current.company), pk=pk)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this quarter's use is low."))
        return redirect("programmes")
    try:
        exemption_request(grant=grant, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("Request sent. A programme officer will decide before the quarter is reviewed."),
        )
    return redirect("programmes")
