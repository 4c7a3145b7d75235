"""The company's side of a grant: asking not to be cut for a quarter."""

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.models import Exemption, Grant
from deployment.services.usage import QUARTER
from onestop.services.audit import audit_record, audit_snapshot
from onestop.views.access import company_owner_required


class ExemptionForm(forms.Form):
    reason = forms.CharField(max_length=2000)


@company_owner_required
@require_POST
def exemption_request(request, pk):
    grant = get_object_or_404(Grant.objects.filter(company=request.current.company), pk=pk)
    form = ExemptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this quarter's use is low."))
        return redirect("programmes")
    quarter = max(0, int((timezone.now() - grant.starts_at) / QUARTER))
    try:
        with transaction.atomic():
            exemption = Exemption.objects.create(
                grant=grant, quarter=quarter, reason=form.cleaned_data["reason"]
            )
            audit_record(
                action="grant.exemption_request",
                target=exemption,
                actor=request.user,
                after=audit_snapshot(exemption),
                company=grant.company,
            )
    except IntegrityError:
        messages.error(request, _("You have already asked about this quarter."))
    else:
        messages.success(
            request,
            _("Request sent. A programme officer will decide before the quarter is reviewed."),
        )
    return redirect("programmes")
