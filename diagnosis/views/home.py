from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from diagnosis.models import Assessment, DiagnosisShare
from diagnosis.services.assessments import assessment_start, next_stage
from onestop.models import Partner
from onestop.views.access import company_member_required, company_owner_required


@company_member_required
def diagnosis_home(request):
    company = request.current.company
    assessments = (
        Assessment.objects.for_company(company)
        .select_related("result")
        .prefetch_related("respondents")
        .order_by("stage")
    )
    return render(
        request,
        "diagnosis/home.html",
        {
            "company": company,
            "assessments": assessments,
            "next_stage": next_stage(company),
            "has_open": any(a.is_open for a in assessments),
            "shares": DiagnosisShare.objects.filter(company=company).select_related("partner"),
            "partners": Partner.objects.exclude(diagnosis_shares__company=company).order_by("name"),
        },
    )


@company_owner_required
@require_POST
def assessment_start_view(request):
    try:
        assessment = assessment_start(company=request.current.company, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:home")
    return redirect("diagnosis:answer", pk=assessment.pk)
