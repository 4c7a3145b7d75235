"""Visit notes: what a consultant saw and heard at a client, for the desk only."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import VisitNote
from onestop.services.audit import audit_record


@transaction.atomic
def note_add(*, company, author, visited_on, text):
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note first."))
    if visited_on > timezone.localdate():
        raise ValidationError(_("A visit note is about a visit that has happened."))
    note = VisitNote.objects.create(
        company=company, author=author, visited_on=visited_on, text=text
    )
    # The log says a note was written, not what it says.
    audit_record(
        action="visit_note.add",
        target=note,
        actor=author,
        after={"visited_on": str(visited_on)},
        company=company,
    )
    return note
