"""Course certificates: files from strangers, treated that way.

1. The size is capped while the body streams in (``onestop.uploads``; the route's body limit is
   registered in ``onestop.bodylimits``), and checked again here.
2. The type is told by the file's first bytes, never by its name or the browser's word: PDF,
   PNG or JPEG, nothing else.
3. The file is stored under ``ONESTOP_CERTIFICATE_ROOT``/<company id>/ with a random name and
   the extension of the type found; the uploader's file name is never used for anything.
4. It is served only by the portal's views, which check who asks, as a download with the type
   found, so a browser never renders it as a page of the portal.
"""

import re
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Enrolment
from onestop.services.audit import audit_record

Type = Enrolment.CertificateType
# First bytes of each accepted type.
SIGNATURES = (
    (b"%PDF-", Type.PDF),
    (b"\x89PNG\r\n\x1a\n", Type.PNG),
    (b"\xff\xd8\xff", Type.JPEG),
)
CONTENT_TYPES = {Type.PDF: "application/pdf", Type.PNG: "image/png", Type.JPEG: "image/jpeg"}
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")


def sniff(head):
    """The certificate type of a file starting with ``head``, or None."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def certificate_path(enrolment):
    """Where the enrolment's certificate lies; only names this module made are accepted."""
    name = enrolment.certificate_name
    if not STORED_NAME.match(name or ""):
        return None
    return Path(settings.ONESTOP_CERTIFICATE_ROOT) / str(enrolment.staff_member.company_id) / name


def content_type(enrolment):
    return CONTENT_TYPES[enrolment.certificate_type]


def certificate_attach(*, enrolment, upload, user):
    """Store ``upload`` as the certificate of a completed ``enrolment`` (replacing one sent
    before). Raises ValidationError with the reason in words."""
    limit = settings.ONESTOP_CERTIFICATE_MAX_BYTES
    if enrolment.status != Enrolment.Status.COMPLETED:
        raise ValidationError(_("Mark the course completed before adding its certificate."))
    if upload.size > limit:
        raise ValidationError(
            _("The certificate is too large: at most %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise ValidationError(
            _("A certificate must be a PDF, PNG or JPEG file; this file is none of them.")
        )
    upload.seek(0)
    folder = Path(settings.ONESTOP_CERTIFICATE_ROOT) / str(enrolment.staff_member.company_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind.value}"
    written = 0
    with open(folder / name, "xb") as out:
        for chunk in upload.chunks():
            written += len(chunk)
            out.write(chunk)
    try:
        return _record(enrolment, name, kind, written, user)
    except BaseException:
        (folder / name).unlink(missing_ok=True)  # nothing points at it
        raise


def _record(enrolment, name, kind, written, user):
    with transaction.atomic():
        locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if locked.certificate_name:
            certificate_delete_on_commit(locked)
        locked.certificate_name = name
        locked.certificate_type = kind.value
        locked.certificate_size = written
        locked.certificate_uploaded_at = timezone.now()
        locked.save(
            update_fields=[
                "certificate_name",
                "certificate_type",
                "certificate_size",
                "certificate_uploaded_at",
            ]
        )
        audit_record(
            action="skills.certificate",
            target=locked,
            actor=user,
            after={"type": kind.value, "size": written},
            company=enrolment.staff_member.company,
        )
    return locked


def certificate_delete_on_commit(enrolment):
    """Delete the enrolment's certificate file once the transaction that drops it commits."""
    path = certificate_path(enrolment)
    if path is not None:
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
