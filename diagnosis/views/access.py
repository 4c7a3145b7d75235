from django.shortcuts import get_object_or_404

from diagnosis.models import Assessment


def company_assessment(request, pk, *, for_report=False):
    """An assessment of the person's current company, or 404 (another company's included)."""
    queryset = Assessment.objects.filter(company=request.current.company).select_related(
        "questionnaire", "company"
    )
    if for_report:
        queryset = queryset.select_related("result").filter(status=Assessment.Status.SUBMITTED)
    return get_object_or_404(queryset, pk=pk)


def staff_assessment(request, pk):
    """A submitted assessment of a company the consultant may see, or 404."""
    queryset = (
        Assessment.objects.visible_to_staff(request.user)
        .submitted()
        .select_related("questionnaire", "company", "result")
    )
    return get_object_or_404(queryset, pk=pk)
