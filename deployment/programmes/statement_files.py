"""A statement as a file to keep: CSV (through ``onestop.csvsafe``, numbers left as numbers) and
a PDF drawn with ReportLab in a Korean-capable font, both from the statement's tables."""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from deployment.programmes.months import month_key
from onestop.csvsafe import csv_writer
from onestop.pdf_fonts import font_name


def statement_title(statement):
    return _("Statement for %(month)s · %(name)s") % {
        "month": month_key(statement.month),
        "name": statement.name,
    }


def statement_csv(statement):
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with Korean text correctly only with the mark
    writer = csv_writer(out)
    writer.writerow([statement_title(statement)])
    for table in statement.tables():
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.rows)
        if table.total:
            writer.writerow(table.total)
    return out.getvalue()


def statement_filename(statement, slug, extension):
    return f"onestop-statement-{slug}-{month_key(statement.month)}.{extension}"


def shown(value):
    """A cell as the PDF prints it: thousands separated, unit-hours to the hundredth."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


PDF_CELL_CHARS = 300


def cut(text):
    return text if len(text) <= PDF_CELL_CHARS else text[: PDF_CELL_CHARS - 1] + "…"


def statement_pdf(statement):
    font = font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle(
        "h2", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4
    )
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10)
    story = [Paragraph(escape(statement_title(statement)), title)]
    for table in statement.tables():
        story.append(Paragraph(escape(table.title), heading))
        rows = [table.header, *table.rows] + ([table.total] if table.total else [])
        data = [
            [
                # A supplier's description may be long: a cell taller than a page cannot be laid
                # out, so the PDF keeps its start (the page and the CSV show it whole).
                Paragraph(escape(cut(value)), cell) if isinstance(value, str) else shown(value)
                for value in row
            ]
            for row in rows
        ]
        if len(rows) == 1:
            data.append([_("Nothing this month.")] + [""] * (len(table.header) - 1))
        story.append(pdf_table(data, font, has_total=bool(table.total)))
        story.append(Spacer(1, 3 * mm))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=statement_title(statement),
        author="OneStop",
    )
    doc.build(story)
    return buffer.getvalue()


def pdf_table(data, font, *, has_total):
    table = Table(data, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
        ("ALIGN", (0, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if has_total:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.HexColor("#1c2430")))
    table.setStyle(TableStyle(style))
    return table
