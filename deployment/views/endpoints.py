"""The portal's endpoint pages: the list, deploying a model, and one endpoint's page with its
progress, "try it", snippets, usage and keys. Changes to an endpoint are in ``manage``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from deployment.forms import (
    ConfigureForm,
    EndpointForm,
    KeyForm,
    RollForm,
    ScaleForm,
    suggested_name,
)
from deployment.models import Endpoint, ScoringDrop, Workload
from deployment.services import endpoint_usage
from deployment.services.endpoints.pipeline import endpoint_create
from deployment.services.endpoints.queries import (
    active_grants,
    deployable_versions,
    endpoints_not_deleted,
)
from deployment.views.charts import usage_charts
from deployment.views.snippets import snippets
from deployment.views.tryit import row_input
from onestop.pagination import page_of
from onestop.views.access import company_member_required, company_owner_required

PER_PAGE = 20
EVENTS_SHOWN = 20


def company_endpoint(request, pk):
    """The endpoint ``pk`` of the person's current company; another company's is a 404."""
    return get_object_or_404(
        endpoints_not_deleted(request.current.company).select_related(
            "version__family", "next_version", "previous_version", "pool", "company"
        ),
        pk=pk,
    )


def in_flight(endpoint):
    return endpoint.state in Endpoint.IN_FLIGHT or endpoint.next_version_id is not None


@company_member_required
def endpoint_list(request):
    rows = (
        endpoints_not_deleted(request.current.company)
        .select_related("version__family", "pool")
        .prefetch_related("cluster_replicas")
    )
    page = page_of(request, rows.order_by("name"), PER_PAGE)
    return render(request, "deployment/endpoint_list.html", {"page": page})


def initial_for(request, company):
    """The form's first values: the model and pool a match link names, and a free name."""
    initial = {"min_replicas": 1, "max_replicas": 1}
    wanted = request.GET.get("version", "")
    version = None
    if wanted.isdigit():
        version = deployable_versions(company).filter(pk=wanted).first()
    grants = list(active_grants(company))
    if version is not None:
        initial["version"] = version.pk
        initial["name"] = suggested_name(version)
        grants = [g for g in grants if g.pool.flavor in (version.flavors or [])] or grants
    pool = request.GET.get("pool", "")
    chosen = next((g for g in grants if str(g.pool_id) == pool), grants[0] if grants else None)
    if chosen is not None:
        initial["grant"] = chosen.pk
    return initial


@company_owner_required
def endpoint_new(request):
    company = request.current.company
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST, company=company)
        if form.is_valid():
            try:
                endpoint = endpoint_create(company=company, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Deployment started. This page follows it."))
                return redirect("endpoint_detail", endpoint.pk)
        status = 400
    else:
        form = EndpointForm(company=company, initial=initial_for(request, company))
    has_grants = form.fields["grant"].queryset.exists()
    return render(
        request,
        "deployment/endpoint_new.html",
        {"form": form, "has_grants": has_grants},
        status=status,
    )


def progress_context(endpoint):
    return {
        "endpoint": endpoint,
        "events": list(endpoint.events.all()[:EVENTS_SHOWN]),
        "in_flight": in_flight(endpoint),
    }


def detail_context(request, endpoint):
    usage, points = endpoint_usage.last_day(endpoint)
    owner = request.current.is_owner
    context = {
        **progress_context(endpoint),
        "row_input": row_input(endpoint.version),
        "snippets": snippets(request, endpoint),
        "usage": usage,
        "charts": usage_charts(points),
        "budget": endpoint_usage.budget(endpoint),
        "replicas": endpoint.replicas.exclude(state=Workload.State.DONE).count(),
        "keys": list(endpoint.keys.order_by("revoked_at", "-created_at")),
        "is_owner": owner,
        "scoring_jobs": list(endpoint.scoring_jobs.all()[:10]),
        "scoring_drop": ScoringDrop.objects.filter(endpoint=endpoint).first(),
    }
    if owner:
        context.update(
            scale_form=ScaleForm(
                initial={
                    "min_replicas": endpoint.min_replicas,
                    "max_replicas": endpoint.max_replicas,
                }
            ),
            configure_form=ConfigureForm(
                initial={
                    "deadline_ms": endpoint.deadline_ms,
                    "batch_max_size": endpoint.batch_max_size,
                    "batch_max_delay_ms": endpoint.batch_max_delay_ms,
                }
            ),
            roll_form=RollForm(endpoint=endpoint),
            key_form=KeyForm(),
        )
    return context


@company_member_required
def endpoint_detail(request, pk):
    endpoint = company_endpoint(request, pk)
    return render(request, "deployment/endpoint_detail.html", detail_context(request, endpoint))


@company_member_required
def endpoint_status(request, pk):
    """What the page's script polls while a deployment or a roll runs: the state, and the
    progress section rendered on the server."""
    endpoint = company_endpoint(request, pk)
    context = {**progress_context(endpoint), "is_owner": request.current.is_owner}
    return JsonResponse(
        {
            "state": endpoint.state,
            "progress": endpoint.progress,
            "in_flight": context["in_flight"],
            "html": render_to_string("deployment/partials/progress.html", context, request),
        }
    )
