"""One error format for the whole partner API:

{"error": {"code": "not_found", "message": "…", "fields": {…}?, "retry_after": 12?}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(code, message, **extra):
    return {"error": {"code": code, "message": str(message), **extra}}


def exception_handler(exc, context):
    # Django's own exceptions become their API counterparts, so they share one format.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500 handler logs it and answers
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(
            "invalid", _("Some fields are not valid; see fields."), fields=detail
        )
    elif isinstance(exc, exceptions.Throttled):
        response.data = error_body(
            "throttled",
            _("Too many requests. Retry in %(seconds)s seconds.") % {"seconds": exc.wait or 1},
            retry_after=int(exc.wait or 1),
        )
    else:
        code = exc.get_codes()
        response.data = error_body(code if isinstance(code, str) else "error", exc.detail)
    return response


def error_response(code, message, http_status=status.HTTP_400_BAD_REQUEST, **extra):
    return Response(error_body(code, message, **extra), status=http_status)
