"""The base view of the partner API: POSTs honour an ``Idempotency-Key`` header.

A repeated key with the same body replays the first response (``Idempotent-Replayed: true``);
the same key with a different body is a 422; a retry while the first request is still running
is a 409. Keys are scoped to the credential that used them.
"""

from django.db import transaction
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from onestop.api.errors import error_body
from onestop.models import ApiKey
from onestop.services import idempotency

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Answer(APIException):
    """Carries a finished response out of ``initial()`` without running the handler."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def credential_scope(request):
    if isinstance(request.auth, ApiKey):
        return f"key:{request.auth.pk}"
    return f"user:{request.user.pk}"


class ApiView(APIView):
    _idempotency_record = None
    # Response fields never stored for a replay (secrets shown once).
    idempotency_secret_fields = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise _Answer(
                Response(
                    error_body(
                        "invalid_idempotency_key",
                        _("Idempotency-Key must be 1 to %(n)s characters.") % {"n": MAX_KEY_LENGTH},
                    ),
                    status=status.HTTP_400_BAD_REQUEST,
                )
            )
        body = self.idempotency_body(request)
        fingerprint = idempotency.request_fingerprint(request.method, request.path, body)
        try:
            record, replay = idempotency.idempotency_begin(
                scope=credential_scope(request),
                key=key,
                method=request.method,
                path=request.path,
                request_hash=fingerprint,
            )
        except idempotency.IdempotencyMismatch:
            raise _Answer(
                Response(
                    error_body(
                        "idempotency_key_reused",
                        _(
                            "This Idempotency-Key was already used with a different "
                            "request. Use a new key for a new request."
                        ),
                    ),
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            ) from None
        except idempotency.IdempotencyInFlight:
            raise _Answer(
                Response(
                    error_body(
                        "idempotency_key_in_use",
                        _(
                            "A request with this Idempotency-Key is still being "
                            "processed. Retry later."
                        ),
                    ),
                    status=status.HTTP_409_CONFLICT,
                )
            ) from None
        if replay:
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            raise _Answer(response)
        self._idempotency_record = record

    def idempotency_body(self, request):
        """What identifies the request's content. Views that take files override this, so a
        large upload is fingerprinted by its hash, never read into memory."""
        try:
            return request._request.body
        except RawPostDataException:
            return repr(sorted(request.data.items())).encode()

    def handle_exception(self, exc):
        if isinstance(exc, _Answer):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:
            # A fault the handler did not answer: free the key so the client can retry.
            if self._idempotency_record is not None:
                idempotency.idempotency_abandon(record=self._idempotency_record)
                self._idempotency_record = None
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        record = self._idempotency_record
        if record is not None:
            self._idempotency_record = None
            # Stored outside the view's transaction so a rollback there cannot lose it.
            body = getattr(response, "data", None)
            if isinstance(body, dict) and self.idempotency_secret_fields:
                body = {k: v for k, v in body.items() if k not in self.idempotency_secret_fields}
            with transaction.atomic():
                idempotency.idempotency_finish(
                    record=record, status_code=response.status_code, body=body
                )
        return super().finalize_response(request, response, *args, **kwargs)
