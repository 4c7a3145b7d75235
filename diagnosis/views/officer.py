import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from diagnosis.officer import officer_overview
from onestop.csvsafe import csv_writer
from onestop.views.access import staff_desk_required


@staff_desk_required
def overview(request):
    return render(request, "consultant/overview.html", officer_overview(request.user))


@staff_desk_required
def overview_csv(request):
    data = officer_overview(request.user)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv_writer(out)
    writer.writerow(
        [
            _("company"),
            _("pool"),
            _("guaranteed units"),
            _("used share of the guarantee"),
            _("idle days"),
            _("days from approval to first run"),
            _("reclaims"),
            _("cuts"),
        ]
    )
    for row in data["companies"]:
        writer.writerow(
            (
                row.grant.company.name,
                row.grant.pool.name,
                row.grant.guarantee_units,
                row.used_share,
                row.idle_days,
                row.days_to_first_run,
                row.reclaims,
                row.cuts,
            )
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="onestop-utilisation.csv"'
    return response
