from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnosis.forms import CommentForm
from diagnosis.questionnaire.exports import answers_csv
from diagnosis.questionnaire.pdf import report_pdf
from diagnosis.questionnaire.report import build_report
from diagnosis.services.assessments import comment_add
from diagnosis.views.access import company_assessment, staff_assessment
from onestop.views.access import company_member_required, staff_desk_required


@company_member_required
def report_page(request, pk):
    assessment = company_assessment(request, pk, for_report=True)
    return render(
        request,
        "diagnosis/report.html",
        {"report": build_report(assessment), "pdf_url_name": "diagnosis:report_pdf"},
    )


@company_member_required
def report_pdf_view(request, pk):
    return _pdf_response(company_assessment(request, pk, for_report=True))


@company_member_required
def answers_csv_view(request, pk):
    """Everyone's answers: for owners at any time, for the team once submitted."""
    assessment = company_assessment(request, pk)
    if assessment.is_open and not request.current.is_owner:
        raise PermissionDenied("Teammates' answers are shown once the assessment is submitted.")
    response = HttpResponse(answers_csv(assessment), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="onestop-answers-{assessment.stage}-{assessment.pk}.csv"'
    )
    return response


@staff_desk_required
def consultant_report(request, pk):
    """The consultant sees the company's report as the company does, and reviews it."""
    assessment = staff_assessment(request, pk)
    form = CommentForm(request.POST or None, spec=assessment.questionnaire.spec)
    return render(
        request,
        "diagnosis/report.html",
        {
            "report": build_report(assessment),
            "comment_form": form,
            "consultant": True,
            "pdf_url_name": "diagnosis:consultant_report_pdf",
        },
    )


@staff_desk_required
@require_POST
def consultant_comment(request, pk):
    assessment = staff_assessment(request, pk)
    form = CommentForm(request.POST, spec=assessment.questionnaire.spec)
    if form.is_valid():
        try:
            comment_add(assessment=assessment, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Comment added."))
    else:
        messages.error(request, _("Write a comment first."))
    return redirect("diagnosis:consultant_report", pk=pk)


@staff_desk_required
def consultant_report_pdf(request, pk):
    return _pdf_response(staff_assessment(request, pk))


def _pdf_response(assessment):
    report = build_report(assessment)
    response = HttpResponse(
        report_pdf(report, language=get_language()), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="onestop-diagnosis-{assessment.stage}-{assessment.pk}.pdf"'
    )
    return response
