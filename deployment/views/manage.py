"""An owner's changes to an endpoint: stop, resume, delete, roll, roll back, scale, configure,
and its keys. Each asks a service and comes back to the endpoint's page with a message; a
refusal is the service's own sentence."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deployment.forms import ConfigureForm, KeyForm, RollForm, ScaleForm
from deployment.models import EndpointKey
from deployment.services.endpoints import keys, lifecycle
from deployment.services.endpoints.queries import endpoints_not_deleted
from deployment.views.endpoints import company_endpoint
from deployment.views.snippets import snippets
from onestop import shown_once
from onestop.confirm import ask_to_confirm, is_confirmed
from onestop.views.access import company_owner_required


def problems(form):
    return "; ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        if name in form.fields
        else " ".join(errors)
        for name, errors in form.errors.items()
    )


def attempt(request, endpoint, change, success):
    """Run ``change``; the page says how it went."""
    try:
        change()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True


def back(endpoint):
    return redirect("endpoint_detail", endpoint.pk)


def plain_action(service, done):
    """An owner's POST that calls ``service(endpoint=, user=)`` and comes back to the page."""

    @company_owner_required
    @require_POST
    def view(request, pk):
        endpoint = company_endpoint(request, pk)
        attempt(request, endpoint, lambda: service(endpoint=endpoint, user=request.user), done)
        return back(endpoint)

    return view


endpoint_stop = plain_action(
    lifecycle.endpoint_stop,
    gettext_lazy("Stopped. Its units are back in your grant; resume it any time."),
)
endpoint_resume = plain_action(
    lifecycle.endpoint_resume, gettext_lazy("Deploying again. This page follows it.")
)
endpoint_rollback = plain_action(
    lifecycle.endpoint_roll_back, gettext_lazy("Rolling back to the previous version.")
)


@company_owner_required
@require_POST
def endpoint_delete(request, pk):
    endpoint = company_endpoint(request, pk)
    if not is_confirmed(request):
        return ask_to_confirm(
            request,
            title=_("Delete the endpoint “%(name)s”?") % {"name": endpoint.name},
            consequences=[
                _("Applications calling it get an error from now on: its keys stop working."),
                _("Its quota goes back to your grant for other endpoints."),
                _("This cannot be undone; to serve the model again, deploy it anew."),
            ],
            action=_("Delete the endpoint"),
            cancel_url=reverse("endpoint_detail", args=[endpoint.pk]),
        )
    if attempt(
        request,
        endpoint,
        lambda: lifecycle.endpoint_delete(endpoint=endpoint, user=request.user),
        _("Endpoint “%(name)s” deleted; its keys no longer work.") % {"name": endpoint.name},
    ):
        return redirect("endpoint_list")
    return back(endpoint)


@company_owner_required
@require_POST
def endpoint_roll(request, pk):
    endpoint = company_endpoint(request, pk)
    form = RollForm(request.POST, endpoint=endpoint)
    if not form.is_valid():
        messages.error(request, problems(form))
        return back(endpoint)
    version = form.cleaned_data["version"]
    attempt(
        request,
        endpoint,
        lambda: lifecycle.endpoint_roll(endpoint=endpoint, version=version, user=request.user),
        _("Rolling to version %(version)s; the current version serves until it is warm.")
        % {"version": version.version},
    )
    return back(endpoint)


def form_action(form_class, service, done):
    """An owner's POST of a small settings form: ``service(endpoint=, user=, **fields)``, then
    ``done(fields)`` as the message."""

    @company_owner_required
    @require_POST
    def view(request, pk):
        endpoint = company_endpoint(request, pk)
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, problems(form))
            return back(endpoint)
        fields = form.cleaned_data
        attempt(
            request,
            endpoint,
            lambda: service(endpoint=endpoint, user=request.user, **fields),
            done(fields),
        )
        return back(endpoint)

    return view


endpoint_scale = form_action(
    ScaleForm,
    lifecycle.endpoint_scale,
    lambda fields: (
        _("Replicas: %(min)s to %(max)s.")
        % {"min": fields["min_replicas"], "max": fields["max_replicas"]}
    ),
)
endpoint_configure = form_action(
    ConfigureForm, lifecycle.endpoint_configure, lambda fields: _("Settings saved.")
)


@company_owner_required
@require_POST
def endpoint_key_issue(request, pk):
    endpoint = company_endpoint(request, pk)
    form = KeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, problems(form))
        return back(endpoint)
    try:
        key, raw = keys.endpoint_key_issue(
            endpoint=endpoint, user=request.user, name=form.cleaned_data["name"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back(endpoint)
    # Shown once, after a redirect: reloading the page must not issue a second key.
    shown_once.hand_over(request, "endpoint_key", key.pk, raw)
    return redirect("endpoint_key_created", pk=endpoint.pk, key_pk=key.pk)


@never_cache  # the page holds a live key: no back-button or disk cache copy
@company_owner_required
def endpoint_key_created(request, pk, key_pk):
    """The new key, once. A reload says it was shown and how to get another."""
    endpoint = company_endpoint(request, pk)
    key = get_object_or_404(EndpointKey.objects.filter(endpoint=endpoint), pk=key_pk)
    raw = shown_once.take(request, "endpoint_key", key.pk)
    return render(
        request,
        "deployment/key_created.html",
        {
            "endpoint": endpoint,
            "key": key,
            "raw_key": raw,
            "snippets": snippets(request, endpoint, raw) if raw else None,
        },
    )


@company_owner_required
@require_POST
def endpoint_key_revoke(request, pk):
    key = get_object_or_404(
        # A deleted endpoint's keys were revoked with it, and its page is gone.
        EndpointKey.objects.filter(
            endpoint__in=endpoints_not_deleted(request.current.company)
        ).select_related("endpoint__company"),
        pk=pk,
    )
    if keys.endpoint_key_revoke(key=key, user=request.user):
        messages.success(
            request, _("Key %(key)s revoked. Requests with it now fail.") % {"key": key}
        )
    else:
        messages.info(request, _("Key %(key)s was already revoked.") % {"key": key})
    return back(key.endpoint)
