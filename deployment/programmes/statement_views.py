"""Monthly statements as a page, a CSV and a PDF: a company's (its owners), a partner's (its
members: what it is owed as a supplier, the unit-hours used on its pools as a provider) and a
programme's (officers). Each is scoped to its tenant; a month still to come is a 404."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from deployment.programmes.months import month_of, months_between, next_month, previous_month
from deployment.programmes.statement_files import (
    shown,
    statement_csv,
    statement_filename,
    statement_pdf,
)
from deployment.programmes.statements import (
    company_statement,
    first_month_of_company,
    first_month_of_partner,
    partner_statement,
    programme_statement,
)
from onestop.models import Programme
from onestop.pagination import page_of
from onestop.roles import is_officer
from onestop.views.access import (
    company_owner_required,
    partner_member_required,
    staff_desk_required,
)

MONTHS_PER_PAGE = 12
ROWS_PER_PAGE = 50
PROGRAMMES_PER_PAGE = 25


def this_month():
    return month_of(timezone.now())


def past_or_present(month):
    if month > this_month():
        raise Http404("No statement for a month still to come.")
    return month


def months_page(request, first, route, args=()):
    """The months from ``first`` to this one, newest first, a page at a time, each with the
    link to its statement."""
    months = months_between(first, this_month()) if first else []
    page = page_of(request, months, MONTHS_PER_PAGE)
    links = [
        {
            "month": month,
            "page": reverse(route, args=[*args, month]),
            "csv": reverse(f"{route}_csv", args=[*args, month]),
            "pdf": reverse(f"{route}_pdf", args=[*args, month]),
        }
        for month in page
    ]
    return page, links


def months_list(request, *, first, route, name):
    """The page that lists the months from ``first``, each linking to ``route``."""
    page, links = months_page(request, first, route)
    return render(request, "statements/list.html", {"page": page, "links": links, "name": name})


def answer(request, build, month, fmt, *, slug, route, args=(), back):
    """``build(month)`` as ``fmt``: "page", "csv" or "pdf"; a month still to come is a 404.
    ``route`` names the page's route (its files' routes end in ``_csv`` and ``_pdf``), ``args``
    its arguments before the month, and ``back`` the route of the list of months."""
    statement = build(past_or_present(month))
    if fmt == "csv":
        response = HttpResponse(statement_csv(statement), content_type="text/csv; charset=utf-8")
    elif fmt == "pdf":
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
    else:
        month = statement.month
        later = next_month(month) if month < this_month() else None
        return render(
            request,
            "statements/statement.html",
            {
                "statement": statement,
                "tables": [paged(request, table) for table in statement.tables()],
                "csv_url": reverse(f"{route}_csv", args=[*args, month]),
                "pdf_url": reverse(f"{route}_pdf", args=[*args, month]),
                "previous_url": reverse(route, args=[*args, previous_month(month)]),
                "next_url": reverse(route, args=[*args, later]) if later else None,
                "back_url": reverse(back),
            },
        )
    name = statement_filename(statement, slug, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def paged(request, table):
    """The table with its cells as the page shows them; a long list a page at a time."""
    rows = page_of(request, table.rows, ROWS_PER_PAGE) if table.paged else None
    return {
        "title": table.title,
        "header": table.header,
        "rows": [cells(row) for row in (rows or table.rows)],
        "page": rows,
        "total": cells(table.total) if table.total else None,
    }


def cells(row):
    return [(shown(value), not isinstance(value, str)) for value in row]


# --- the company's own ------------------------------------------------------------------


@company_owner_required
def statements(request):
    company = request.current.company
    return months_list(
        request, first=first_month_of_company(company), route="statement", name=company.name
    )


@company_owner_required
def statement(request, month, fmt="page"):
    company = request.current.company
    return answer(
        request,
        partial(company_statement, company),
        month,
        fmt,
        slug="company",
        route="statement",
        back="statements",
    )


# --- a partner's --------------------------------------------------------------------------


@partner_member_required
def partner_statements(request):
    partner = request.partner_membership.partner
    return months_list(
        request, first=first_month_of_partner(partner), route="partner_statement", name=partner.name
    )


@partner_member_required
def partner_statement_view(request, month, fmt="page"):
    partner = request.partner_membership.partner
    return answer(
        request,
        partial(partner_statement, partner),
        month,
        fmt,
        slug="partner",
        route="partner_statement",
        back="partner_statements",
    )


# --- officers: a programme's --------------------------------------------------------------


def officer_only(request):
    if not is_officer(request.user):
        raise PermissionDenied("Programme statements are for programme officers.")


@staff_desk_required
def programme_statements(request):
    officer_only(request)
    programmes = Programme.objects.prefetch_related("budget_lines")
    return render(
        request,
        "statements/programmes.html",
        {"page": page_of(request, programmes, PROGRAMMES_PER_PAGE), "month": this_month()},
    )


@staff_desk_required
def programme_statement_view(request, pk, month, fmt="page"):
    officer_only(request)
    programme = get_object_or_404(Programme, pk=pk)
    return answer(
        request,
        partial(programme_statement, programme),
        month,
        fmt,
        slug=f"programme-{programme.pk}",
        route="programme_statement",
        args=[programme.pk],
        back="programme_statements",
    )
