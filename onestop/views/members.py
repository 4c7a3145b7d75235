from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.forms import InvitationForm
from onestop.models import Invitation
from onestop.services.companies import membership_remove
from onestop.services.invitations import invitation_accept, invitation_create, invitation_revoke
from onestop.tenancy import SESSION_KEY
from onestop.views.access import company_member_required, company_owner_required


@company_member_required
def members(request):
    company = request.current.company
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not request.current.is_owner:
            messages.error(request, _("Only the company's owners can invite teammates."))
            return redirect("members")
        if form.is_valid():
            try:
                invitation, _link = invitation_create(
                    company=company, invited_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error("email", exc)
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
                return redirect("members")
    return render(
        request,
        "company/members.html",
        {
            "company": company,
            "memberships": company.memberships.select_related("user").order_by("user__full_name"),
            "invitations": company.invitations.pending().select_related("invited_by"),
            "form": form,
        },
    )


@company_owner_required
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(request.current.company.memberships, pk=pk)
    try:
        membership_remove(membership=membership, actor=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("%(name)s no longer has access.") % {"name": membership.user})
    return redirect("members")


@company_owner_required
@require_POST
def invitation_cancel(request, pk):
    invitation = get_object_or_404(request.current.company.invitations, pk=pk)
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("Invitation to %(email)s cancelled.") % {"email": invitation.email})
    return redirect("members")


@login_required
def invitation_accept_view(request, token):
    invitation = Invitation.objects.by_token(token).select_related("company").first()
    if invitation is None:
        return render(
            request,
            "company/invitation.html",
            {
                "error": _(
                    "This invitation link is not valid. Ask the company's owner to send a new one."
                )
            },
            status=404,
        )
    error = None
    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            request.session[SESSION_KEY] = membership.company_id
            messages.success(
                request, _("You joined %(company)s.") % {"company": membership.company}
            )
            return redirect("dashboard")
    return render(
        request,
        "company/invitation.html",
        {"invitation": invitation, "error": error},
        status=400 if error else 200,
    )
