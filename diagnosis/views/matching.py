"""Matching in the portal: the company's needs, ranked matches with reasons and cost, column
corrections, measuring a model on the company's data, and picking a match."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deployment.models import ModelVersion
from diagnosis.forms_matching import NeedsForm
from diagnosis.matching.columns import auto_map, input_key
from diagnosis.matching.funding import funding_for, mark_funding, open_programme_for
from diagnosis.matching.rank import context_for, rank
from diagnosis.models import ColumnMapping, DataEvaluation, MatchChoice, MatchingNeeds
from diagnosis.services import matching
from onestop.views.access import (
    company_member_required,
    company_owner_required,
    staff_desk_required,
)

SHOWN = 20
PART_NAMES = {
    "use_case": gettext_lazy("Use case"),
    "industry": gettext_lazy("Industry"),
    "inputs": gettext_lazy("Your columns"),
    "accuracy": gettext_lazy("Accuracy"),
    "accelerator": gettext_lazy("Accelerator and speed"),
    "policy": gettext_lazy("Programme policy"),
    "cost": gettext_lazy("Cost"),
}


@company_member_required
def matching_home(request):
    company = request.current.company
    context = context_for(company)
    funding = funding_for(company)
    matches = mark_funding(rank(company, limit=SHOWN, context=context), funding)
    needs = MatchingNeeds.objects.filter(company=company).first() or MatchingNeeds(company=company)
    evaluations = DataEvaluation.objects.filter(company=company).select_related("version__family")[
        :10
    ]
    choice = (
        MatchChoice.objects.filter(company=company)
        .select_related("version__family", "pool")
        .first()
    )
    return render(
        request,
        "diagnosis/matching.html",
        {
            "matches": matches,
            "form": NeedsForm(instance=needs),
            "context": context,
            "evaluations": evaluations,
            "evaluating": any(e.is_active for e in evaluations),
            "choice": choice,
            "choice_funding": choice and funding.of(choice.pool),
            "apply_to": choice and open_programme_for(choice.pool.flavor),
            "part_names": PART_NAMES,
            "weights": context.weights,
        },
    )


@company_member_required
@require_POST
def needs_update(request):
    company = request.current.company
    needs = MatchingNeeds.objects.filter(company=company).first() or MatchingNeeds(company=company)
    form = NeedsForm(request.POST, instance=needs)
    if form.is_valid():
        matching.needs_save(company=company, user=request.user, **form.cleaned_data)
        messages.success(request, _("Needs saved; the matches below use them."))
    else:
        messages.error(
            request,
            _("Check the needs: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items()
                )
            },
        )
    return redirect("diagnosis:matching")


def company_version(request, pk):
    try:
        return matching.visible_version(request.current.company, pk)
    except ModelVersion.DoesNotExist:
        raise Http404("No such model for this company.") from None


@company_member_required
@require_POST
def evaluation_start(request, pk):
    version = company_version(request, pk)
    try:
        matching.evaluation_request(
            company=request.current.company,
            user=request.user,
            version=version,
            target=request.POST.get("target", ""),
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Measuring %(model)s on your data…") % {"model": version})
    return redirect("diagnosis:matching")


@company_member_required
def column_mapping(request, pk):
    company = request.current.company
    version = company_version(request, pk)
    context = context_for(company)
    if not context.columns:
        messages.error(request, _("Upload and profile a sample of your data first."))
        return redirect("diagnosis:data_home")
    saved = ColumnMapping.objects.filter(company=company, version=version).first()
    corrections = saved.corrections if saved else {}
    if request.method == "POST":
        corrections = {
            input_key(spec): request.POST.get(f"map_{i}", "")
            for i, spec in enumerate(version.input_columns)
        }
        try:
            matching.mapping_save(
                company=company,
                user=request.user,
                version=version,
                corrections=corrections,
                columns=context.columns,
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Column mapping saved."))
            return redirect("diagnosis:matching")
    mapping = auto_map(version.input_columns, context.columns, corrections)
    rows = [
        (i, spec, mapping.columns.get(input_key(spec)), mapping.scores.get(input_key(spec)))
        for i, spec in enumerate(version.input_columns)
    ]
    return render(
        request,
        "diagnosis/column_mapping.html",
        {"version": version, "rows": rows, "columns": context.columns, "check": context.data_check},
    )


@company_owner_required
@require_POST
def match_choose(request):
    company = request.current.company
    try:
        version_id, pool_id = (
            int(request.POST.get("version", "")),
            int(request.POST.get("pool", "")),
        )
    except ValueError:
        raise Http404("No such match.") from None
    try:
        choice = matching.choice_make(
            company=company, user=request.user, version_id=version_id, pool_id=pool_id
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:matching")
    messages.success(
        request,
        _("You chose %(model)s on %(pool)s. Next: apply for accelerator quota with it.")
        % {"model": choice.version, "pool": choice.pool},
    )
    return redirect("diagnosis:matching")


@staff_desk_required
def consultant_matching(request, pk):
    from django.shortcuts import get_object_or_404

    from onestop.roles import companies_seen_by

    company = get_object_or_404(companies_seen_by(request.user), pk=pk)
    context = context_for(company)
    return render(
        request,
        "diagnosis/matching.html",
        {
            "matches": rank(company, limit=SHOWN, context=context),
            "context": context,
            "consultant": True,
            "company": company,
            "choice": MatchChoice.objects.filter(company=company)
            .select_related("version__family", "pool")
            .first(),
            "part_names": PART_NAMES,
            "weights": context.weights,
        },
    )
