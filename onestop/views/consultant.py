from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.models import AuditEntry, StaffProfile
from onestop.pagination import page_of
from onestop.roles import companies_seen_by, is_officer
from onestop.services.assignment import consultant_assign, waiting_for_a_consultant
from onestop.views.access import staff_desk_required

PAGE_SIZE = 25


@staff_desk_required
def consultant_companies(request):
    """The consultant's portfolio (every company, for programme officers)."""
    companies = companies_seen_by(request.user).annotate(
        member_count=Count("memberships", distinct=True)
    )
    query = request.GET.get("q", "").strip()
    if query:
        digits = query.replace("-", "")
        companies = companies.filter(Q(name__icontains=query) | Q(registration_number=digits))
    page = page_of(request, companies.order_by("name", "id"), PAGE_SIZE)
    officer = is_officer(request.user)
    return render(
        request,
        "consultant/companies.html",
        {
            "page": page,
            "query": query,
            "is_officer": officer,
            "waiting": list(waiting_for_a_consultant()[:PAGE_SIZE]) if officer else [],
            "consultants": _consultants() if officer else [],
        },
    )


def _consultants():
    return (
        get_user_model()
        .objects.filter(
            is_active=True, is_staff=True, staff_profile__role=StaffProfile.Role.CONSULTANT
        )
        .annotate(load=Count("assignments"))
        .order_by("full_name", "pk")
    )


@staff_desk_required
@require_POST
def consultant_assign_view(request, pk):
    """An officer assigns a consultant to a company from the queue."""
    if not is_officer(request.user):
        raise PermissionDenied("Only programme officers assign consultants.")
    company = get_object_or_404(companies_seen_by(request.user), pk=pk)
    try:
        consultant = _consultants().get(pk=int(request.POST.get("consultant", "")))
    except (ValueError, get_user_model().DoesNotExist):
        messages.error(request, _("Choose one of the consultants in the list."))
        return redirect("consultant_companies")
    consultant_assign(company=company, consultant=consultant, assigned_by=request.user)
    messages.success(
        request,
        _("%(consultant)s now looks after %(company)s.")
        % {"consultant": consultant.full_name or consultant.email, "company": company},
    )
    return redirect("consultant_companies")


@staff_desk_required
def consultant_company_detail(request, pk):
    company = get_object_or_404(companies_seen_by(request.user), pk=pk)
    return render(
        request,
        "consultant/company_detail.html",
        {
            "company": company,
            "memberships": company.memberships.select_related("user"),
            "consultants": company.consultant_assignments.select_related("consultant"),
            "audit": AuditEntry.objects.for_company(company)[:20],
        },
    )
