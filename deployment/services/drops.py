"""Drop folders: a plant's system puts files in an endpoint's inbox, OneStop scores each one as a
batch scoring job and writes the scored file to the outbox. One scan a minute
(``scan_drop_folders``) does both halves.

The folder is the operator's to expose (a plant's share mounted under ``ONESTOP_DROP_ROOT`` on
an installation on its premises); what lands in it is treated as any upload: only plain files
(never a link, which could point anywhere on the server), once they have stopped changing, no
larger than an upload may be, read by the data check's sandboxed readers. A file is taken by
renaming it out of the inbox, so it is scored once however many scans run."""

import logging
import os
import re
import shutil
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from deployment.models import Endpoint, ScoringDrop, ScoringJob
from deployment.services.scoring import SCORABLE, scoring_start
from onestop.services.audit import audit_record, audit_snapshot

log = logging.getLogger(__name__)
SAFE_NAME = re.compile(r"[^\w.-]+")
ENDED = (ScoringJob.State.READY, ScoringJob.State.FAILED, ScoringJob.State.STOPPED)


def drop_enable(*, endpoint, user):
    with transaction.atomic():
        drop, _created = ScoringDrop.objects.get_or_create(
            endpoint=endpoint, defaults={"company": endpoint.company, "created_by": user}
        )
        drop.enabled, drop.created_by = True, user
        drop.save(update_fields=["enabled", "created_by"])
        audit_record(
            action="scoring.drop_enable",
            target=drop,
            actor=user,
            after=audit_snapshot(drop),
            company=endpoint.company,
        )
    for folder in (drop.inbox, drop.outbox, drop.taken):
        folder.mkdir(parents=True, exist_ok=True)
    return drop


def drop_disable(*, drop, user):
    drop.enabled = False
    drop.save(update_fields=["enabled"])
    audit_record(action="scoring.drop_disable", target=drop, actor=user, company=drop.company)
    return drop


def safe_stem(name):
    """The file's name without its extension, in characters any file system takes."""
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return SAFE_NAME.sub("_", stem).strip("._")[:100] or "file"


def ready_files(drop, now):
    """The inbox's plain files that have stopped changing, oldest first."""
    settled = (now - timedelta(seconds=settings.ONESTOP_DROP_SETTLE_SECONDS)).timestamp()
    try:
        entries = list(os.scandir(drop.inbox))
    except FileNotFoundError:
        return []
    files = [
        entry
        for entry in entries
        if entry.is_file(follow_symlinks=False)
        and not entry.name.startswith(".")
        and not entry.name.endswith((".part", ".tmp"))
        and entry.stat(follow_symlinks=False).st_mtime <= settled
    ]
    return sorted(files, key=lambda entry: entry.stat(follow_symlinks=False).st_mtime)


def take(drop, entry, now):
    """Score one dropped file; False when it must wait (the company's jobs are at their
    limit, the endpoint is not ready)."""
    taken = drop.taken / f"{now:%Y%m%d%H%M%S}-{safe_stem(entry.name)}-{entry.inode()}"
    drop.taken.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(entry.path, taken)  # once: a second scan finds it gone
    except FileNotFoundError:
        return True
    with translation.override(settings.LANGUAGE_CODE):  # no person asked: the site's language
        try:
            with taken.open("rb") as handle:
                upload = File(handle, name=entry.name[:255])
                if upload.size > settings.ONESTOP_MAX_UPLOAD_BYTES:
                    raise ValidationError("too large")
                job = scoring_start(endpoint=drop.endpoint, user=drop.created_by, upload=upload)
        except ValidationError as exc:
            if "too large" not in exc.messages:
                os.rename(taken, entry.path)  # put back: the next scan tries again
                return False
            write_outbox(drop, f"{safe_stem(entry.name)}-error.txt", refused_too_large())
            taken.unlink(missing_ok=True)
            return True
    ScoringJob.objects.filter(pk=job.pk).update(drop=drop)
    taken.unlink(missing_ok=True)  # the job keeps its own copy
    return True


def refused_too_large():
    from django.utils.translation import gettext as _

    from diagnosis.datacheck.errors import TOO_BIG, human_size

    return _(str(TOO_BIG)) % {"limit": human_size(settings.ONESTOP_MAX_UPLOAD_BYTES)}


def write_outbox(drop, name, text=None, source=None):
    drop.outbox.mkdir(parents=True, exist_ok=True)
    part = drop.outbox / f".{name}.part"
    if source is not None:
        shutil.copyfile(source, part)
    else:
        part.write_text(str(text) + "\n", encoding="utf-8")
    os.replace(part, drop.outbox / name)


def deliver(drop):
    """Each ended job of the folder: the scored file, or a note of why there is none."""
    delivered = 0
    for job in ScoringJob.objects.filter(drop=drop, state__in=ENDED, delivered_at__isnull=True):
        stem = safe_stem(job.original_name)
        if job.state == ScoringJob.State.READY and job.result_path.exists():
            write_outbox(drop, f"{stem}-scored.csv", source=job.result_path)
        else:
            write_outbox(drop, f"{stem}-error.txt", text=job.error)
        ScoringJob.objects.filter(pk=job.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


def drops_scan(now=None):
    """Take what has settled in every enabled drop folder and deliver what has ended."""
    now = now or timezone.now()
    taken = delivered = 0
    drops = ScoringDrop.objects.filter(enabled=True).select_related("endpoint", "company")
    for drop in drops:
        delivered += deliver(drop)
        if drop.endpoint.state not in SCORABLE or drop.endpoint.state == Endpoint.State.DELETED:
            continue
        for entry in ready_files(drop, now):
            if not take(drop, entry, now):
                break
            taken += 1
        ScoringDrop.objects.filter(pk=drop.pk).update(last_scan_at=now)
    return {"taken": taken, "delivered": delivered}
