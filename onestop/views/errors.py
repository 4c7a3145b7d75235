"""Error pages: JSON under /api/, a page in the portal's layout elsewhere."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def _is_api(request):
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            {"error": {"code": "not_found", "message": _("Not found.")}}, status=404
        )
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": _(
                        "Something went wrong on our side. It has been logged; please retry."
                    ),
                }
            },
            status=500,
        )
    return render(request, "errors/500.html", status=500)
