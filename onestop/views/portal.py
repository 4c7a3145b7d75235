from django.shortcuts import redirect, render

from onestop.journey import journey_for, next_step
from onestop.tenancy import current_membership
from onestop.views.access import company_member_required, landing_for


def home(request):
    if request.user.is_authenticated:
        if current_membership(request) is not None:
            return redirect("dashboard")
        return redirect(landing_for(request.user))
    return render(request, "portal/home.html")


@company_member_required
def dashboard(request):
    company = request.current.company
    journey = journey_for(company)
    return render(
        request,
        "portal/dashboard.html",
        {
            "company": company,
            "journey": journey,
            "next_step": next_step(journey),
            "team_size": company.memberships.count(),
            "pending_invitations": company.invitations.pending().count(),
        },
    )
