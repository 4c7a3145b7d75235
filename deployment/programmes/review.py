"""The desk's review pages: consultants and officers decide the applications of the companies
they see and evaluate their reports; officers extend the best grants by a year."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.programmes.deciding import application_decide
from deployment.programmes.evaluation import report_evaluate
from deployment.programmes.extension import extension_candidates, extension_grant
from deployment.programmes.forms import DecisionForm, EvaluationForm, VoucherIssueForm
from deployment.programmes.vouchers import voucher_issue
from onestop.models import Application, ProgressReport
from onestop.pagination import page_of
from onestop.roles import companies_seen_by, is_officer
from onestop.views.access import staff_desk_required

PAGE_SIZE = 25


def reviewable(user):
    return Application.objects.filter(company__in=companies_seen_by(user)).select_related(
        "company", "programme"
    )


@staff_desk_required
def consultant_applications(request):
    page = page_of(request, reviewable(request.user), PAGE_SIZE)
    return render(request, "consultant/applications.html", {"page": page})


@staff_desk_required
def consultant_application(request, pk):
    application = get_object_or_404(reviewable(request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_decide(
                application=application,
                reviewer=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                _("Decision recorded: %(state)s.") % {"state": application.get_state_display()},
            )
        return redirect("consultant_application", pk=pk)
    return render(
        request,
        "consultant/application.html",
        {
            "application": application,
            "form": form,
            "vouchers": application.vouchers.select_related("budget_line"),
            "voucher_form": voucher_form(application) if is_officer(request.user) else None,
        },
    )


def voucher_form(application, data=None):
    return VoucherIssueForm(data, lines=application.programme.budget_lines.all())


@staff_desk_required
@require_POST
def application_voucher_issue(request, pk):
    """Officers grant a voucher from one of the programme's budget lines to the company of an
    approved application."""
    if not is_officer(request.user):
        raise PermissionDenied("Only programme officers grant vouchers.")
    application = get_object_or_404(
        reviewable(request.user).filter(state=Application.State.APPROVED), pk=pk
    )
    form = voucher_form(application, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a budget line and an amount in won."))
        return redirect("consultant_application", pk=pk)
    try:
        voucher = voucher_issue(
            budget_line=form.cleaned_data["budget_line"],
            company=application.company,
            granted_won=form.cleaned_data["granted_won"],
            officer=request.user,
            application=application,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("Voucher of %(amount)s won granted.") % {"amount": f"{voucher.granted_won:,}"},
        )
    return redirect("consultant_application", pk=pk)


@staff_desk_required
@require_POST
def report_evaluation(request, pk):
    report = get_object_or_404(
        ProgressReport.objects.filter(application__in=reviewable(request.user)), pk=pk
    )
    form = EvaluationForm(request.POST)
    if form.is_valid():
        _report, released = report_evaluate(
            report=report,
            reviewer=request.user,
            score=form.cleaned_data["score"],
            evaluation=form.cleaned_data["evaluation"],
            accept=form.cleaned_data["decision"] == "accept",
        )
        messages.success(
            request,
            _("Evaluation recorded; the rest of the guarantee was released.")
            if released
            else _("Evaluation recorded."),
        )
    else:
        messages.error(request, _("Give a score from 0 to 100 and a short evaluation."))
    return redirect("consultant_application", pk=report.application_id)


@staff_desk_required
def extensions(request):
    ranked = extension_candidates(reviewable(request.user).prefetch_related("reports"))
    return render(
        request,
        "consultant/extensions.html",
        {"ranked": ranked, "is_officer": is_officer(request.user)},
    )


@staff_desk_required
@require_POST
def extension_decide(request, pk):
    if not is_officer(request.user):
        raise PermissionDenied("Only programme officers extend grants.")
    application = get_object_or_404(reviewable(request.user), pk=pk)
    try:
        extension_grant(application=application, officer=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, _("Extended by %(n)s year(s).") % {"n": application.programme.extension_years}
        )
    return redirect("consultant_extensions")
