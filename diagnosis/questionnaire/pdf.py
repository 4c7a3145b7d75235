"""The report as a real PDF, drawn on the server with ReportLab: the same content as the page
(level, radar chart, dimension table, gaps and roadmap, use cases, stage changes, the change
in skills since the previous stage, comments)."""

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from reportlab.graphics.shapes import Drawing, Line, Polygon, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from diagnosis.questionnaire.labels import NEXT_STEP_LABELS
from diagnosis.skills.change import skills_change
from onestop.dates import local_date
from onestop.pdf_fonts import font_name

SERIES_COLOURS = {"company": "#1f5fbf", "target": "#a86500", "cohort": "#1d7a46"}


def report_pdf(report, *, language):
    font = font_name()
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2",
            fontName=font,
            fontSize=13,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#1c2430"),
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "small": ParagraphStyle(
            "small", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#5b6675")
        ),
    }

    def p(text, style="body"):
        return Paragraph(escape(str(text)), styles[style])

    def t(text):
        return text.get(language) if hasattr(text, "get") and hasattr(text, "ko") else str(text)

    assessment = report.assessment
    submitted = local_date(assessment.submitted_at)
    story = [
        p(
            _("%(company)s · AI readiness diagnosis · %(stage)s")
            % {"company": assessment.company.name, "stage": assessment.get_stage_display()},
            "title",
        ),
        p(
            f"{t(report.spec.title)} v{report.spec.version} · {submitted}",
            "small",
        ),
        Spacer(1, 4 * mm),
        p(
            _("Overall score %(score)s of 100 · level %(level)s: %(name)s")
            % {
                "score": f"{report.result.overall:.0f}",
                "level": report.level.level,
                "name": t(report.level.name),
            },
            "h2",
        ),
        p(t(report.level.narrative)),
    ]
    if report.overall_change is not None:
        story.append(
            p(
                _("Change since %(stage)s: %(change)+.1f points")
                % {"stage": report.previous.stage, "change": report.overall_change}
            )
        )
    story += [
        Spacer(1, 3 * mm),
        _radar_drawing(report.radar, font),
        p(report.cohort_label, "small"),
    ]

    story.append(p(_("Scores by dimension"), "h2"))
    header = [
        _("Dimension"),
        _("Score"),
        _("Target"),
        _("Peer median"),
        _("Percentile"),
        pgettext("difference between stages", "Change"),
    ]
    rows = [header] + [
        [
            t(row.dimension.name),
            _num(row.score),
            _num(row.target),
            _num(row.median),
            _num(row.percentile),
            _signed(row.change),
        ]
        for row in report.rows
    ]
    story.append(_table(rows, font, [62 * mm, 20 * mm, 20 * mm, 26 * mm, 24 * mm, 20 * mm]))

    story.append(p(_("Priorities: gaps to close, most urgent first"), "h2"))
    if not report.gaps:
        story.append(p(_("Every dimension has reached its target.")))
    for number, gap in enumerate(report.gaps, 1):
        story.append(
            p(
                f"{number}. {t(gap.dimension.name)} — "
                + _("score %(score)s, target %(target)s (gap %(gap)s)")
                % {"score": _num(gap.score), "target": _num(gap.target), "gap": _num(gap.gap)}
            )
        )
        if gap.action is not None:
            story.append(p("→ " + t(gap.action), "small"))
        if gap.kpis:
            story.append(
                p(
                    _("Matters for: %(kpis)s")
                    % {"kpis": ", ".join(t(report.spec.kpis[k]) for k in gap.kpis)},
                    "small",
                )
            )

    story.append(p(_("AI use cases for your factory"), "h2"))
    uc_rows = [[_("Use case"), _("Feasibility"), _("Impact"), _("Next step")]] + [
        [
            t(fit.use_case.name),
            _num(fit.feasibility),
            _num(fit.impact),
            str(NEXT_STEP_LABELS[fit.use_case.next_step]),
        ]
        for fit in report.use_cases
    ]
    story.append(_table(uc_rows, font, [70 * mm, 26 * mm, 26 * mm, 50 * mm]))
    for fit in report.use_cases[:3]:
        reasons = "; ".join(f"{t(e.question.text)}: {t(e.answer)}" for e in fit.evidence)
        story.append(p(f"{t(fit.use_case.name)} — {reasons}", "small"))

    if report.previous is not None:
        story += _skills_story(report, p, font)

    if report.comments:
        story.append(p(_("Consultant's comments"), "h2"))
        for comment in report.comments:
            story.append(p(f"{comment.author}: {comment.text}"))

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("AI readiness diagnosis"),
        author="OneStop",
    )
    doc.build(story)
    return buffer.getvalue()


def _skills_story(report, p, font):
    """What the skills page of a later stage's report shows: who completed courses since the
    previous stage, and each role's best level then and now."""
    change = skills_change(
        company=report.assessment.company, earlier=report.previous, later=report.assessment
    )
    stage = change.since_stage
    story = [p(_("People and skills since %(stage)s") % {"stage": stage}, "h2")]
    if not change.staff_count:
        nobody = _(
            "No people are listed under People and skills, so the change in skills cannot be shown."
        )
        return [*story, p(nobody)]
    trained = ngettext(
        "%(n)s person completed %(courses)s course(s) since %(stage)s.",
        "%(n)s people completed %(courses)s course(s) since %(stage)s.",
        len(change.trained),
    ) % {"n": len(change.trained), "courses": change.completions, "stage": stage}
    if change.trained:
        trained += " (" + ", ".join(member.name for member, _courses in change.trained) + ")"
    story.append(p(trained))
    rows = [
        [
            _("Role"),
            _("Best level at %(stage)s") % {"stage": stage},
            _("Best level now"),
            _("People at level 2 or more"),
        ]
    ] + [
        [
            str(row.role.name),
            str(row.before),
            f"{row.before} → {row.now}" if row.raised else str(row.now),
            f"{row.holders_before} → {row.holders_now}",
        ]
        for row in change.roles
    ]
    story.append(_table(rows, font, [62 * mm, 36 * mm, 36 * mm, 40 * mm]))
    return story


def _radar_drawing(radar, font):
    size = radar.size
    drawing = Drawing(size, size)

    def flip(y):
        return size - y

    for ring in radar.rings:
        points = [float(v) for pair in ring.split() for v in pair.split(",")]
        drawing.add(
            Polygon(
                [v if i % 2 == 0 else flip(v) for i, v in enumerate(points)],
                strokeColor=colors.HexColor("#dde3ea"),
                fillColor=None,
            )
        )
    for axis in radar.axes:
        drawing.add(
            Line(
                radar.centre,
                flip(radar.centre),
                axis.x,
                flip(axis.y),
                strokeColor=colors.HexColor("#dde3ea"),
            )
        )
        top = flip(axis.label_y) - 3 + 4.5 * (len(axis.lines) - 1)
        for n, line in enumerate(axis.lines):
            drawing.add(
                String(
                    axis.label_x,
                    top - 9 * n,
                    line,
                    fontName=font,
                    fontSize=8,
                    textAnchor=axis.anchor,
                )
            )
    for series, points, _svg in radar.polygons:
        colour = colors.HexColor(SERIES_COLOURS[series.key])
        drawing.add(
            Polygon(
                [c for x, y in points for c in (x, flip(y))],
                strokeColor=colour,
                strokeWidth=1.5,
                fillColor=colour,
                fillOpacity=0.12,
            )
        )
    legend_x = 8
    for series, _points, _svg in radar.polygons:
        colour = colors.HexColor(SERIES_COLOURS[series.key])
        drawing.add(
            String(legend_x, 6, f"■ {series.label}", fontName=font, fontSize=8, fillColor=colour)
        )
        legend_x += 110
    return drawing


def _table(rows, font, widths):
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#dde3ea")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _num(value):
    return "—" if value is None else f"{value:.0f}"


def _signed(value):
    return "—" if value is None else f"{value:+.1f}"
