from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from onestop.models import AuditEntry
from onestop.pagination import page_of
from onestop.roles import companies_seen_by, is_officer
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
    return render(
        request,
        "consultant/companies.html",
        {
            "page": page,
            "query": query,
            "is_officer": is_officer(request.user),
        },
    )


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
