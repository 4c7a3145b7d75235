"""A profile as CSV, one row per column. Column names and top values come from the user's file,
so it is written through the formula-safe writer (see onestop/csvsafe.py)."""

import io

from django.utils.translation import gettext as _

from onestop.csvsafe import csv_writer


def profile_csv(profile):
    out = io.StringIO()
    out.write("\ufeff")  # Korean column names open correctly in Excel
    writer = csv_writer(out)
    writer.writerow(
        [
            _("column"),
            _("type"),
            _("missing"),
            _("missing share"),
            _("distinct"),
            _("min"),
            _("max"),
            _("mean"),
            _("standard deviation"),
            _("outliers"),
            _("top values"),
        ]
    )
    for column in profile["columns"]:
        top = "; ".join(f"{item['value']} ({item['count']})" for item in column.get("top", [])[:5])
        writer.writerow(
            (
                column["name"],
                column["kind"],
                column["missing"],
                column["missing_share"],
                column["distinct"],
                column.get("min", column.get("start", "")),
                column.get("max", column.get("end", "")),
                column.get("mean", ""),
                column.get("std", ""),
                column.get("outliers", ""),
                top,
            )
        )
    return out.getvalue()
