"""The inbox: what a person was waiting for, newest first, and their choice of e-mail or the
inbox only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.models import Notification
from onestop.pagination import page_of
from onestop.services.notifications import mark_read
from onestop.tenancy import switch_company

PAGE_SIZE = 25


@login_required
def inbox(request):
    page = page_of(request, Notification.objects.filter(user=request.user), PAGE_SIZE)
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request):
    mark_read(request.user)
    return redirect("inbox")


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notice read and go where it points (a path on this site only), with the
    notice's company made current: the company's pages read it from the session, and a person
    in two companies would otherwise land on the other one's page (or on "not found")."""
    notification = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    mark_read(request.user, [notification.pk])
    if notification.company_id is not None:
        switch_company(request, notification.company_id)  # a member of it only
    target = notification.url
    if not (target and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        return redirect("inbox")
    return redirect(target)


@login_required
@require_POST
def inbox_settings(request):
    by_email = request.POST.get("notify_by_email") == "on"
    request.user.notify_by_email = by_email
    request.user.save(update_fields=["notify_by_email"])
    messages.success(
        request,
        _("Notifications now come by e-mail and in your inbox.")
        if by_email
        else _("Notifications now come to your inbox only."),
    )
    return redirect("inbox")


def unread_count(request):
    """Template context: the signed-in person's unread notices, counted only when a page shows
    the number."""
    from django.utils.functional import SimpleLazyObject

    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user).unread().count()
        )
    }
