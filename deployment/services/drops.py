"""Drop folders: a plant's system puts files in an endpoint's inbox, OneStop scores each one as a
batch scoring job and writes the scored file to the outbox. One scan a minute
(``scan_drop_folders``) does both halves.

The folder is the operator's to expose (a plant's share mounted under ``ONESTOP_DROP_ROOT`` on
an installation on its premises), so whatever is in it may be hostile:

- the folder, its inbox and outbox must be real directories under the root, never links;
- a file is opened without following links and must still be the plain file that was listed
  (same inode), unchanged since before the settle time (its modification and change times);
- a file is taken once: the job records the file's identity (name, inode, size, time) in the
  same transaction that creates it, the inbox entry is removed after, and a file whose identity
  already has a job is only removed, never scored again;
- outbox files are written through a new file the scan creates itself (never one that exists,
  never through a link), with the job's number in the name, so nothing is overwritten."""

import contextlib
import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation

from deployment.models import ScoringDrop, ScoringJob
from deployment.services.scoring import SCORABLE, scoring_start
from onestop.models import Membership
from onestop.services.audit import audit_record, audit_snapshot

log = logging.getLogger(__name__)
SAFE_NAME = re.compile(r"[^\w.-]+")
ENDED = (ScoringJob.State.READY, ScoringJob.State.FAILED, ScoringJob.State.STOPPED)
# A scan of all folders stops starting new work after this long (the task's limit is 50 s),
# and looks at this many inbox entries per folder at most.
SCAN_SECONDS = 30
ENTRIES_PER_SCAN = 1000


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
    for folder in (drop.inbox, drop.outbox):
        folder.mkdir(parents=True, exist_ok=True)
    return drop


def drop_disable(*, drop, user, reason=""):
    drop.enabled = False
    drop.save(update_fields=["enabled"])
    audit_record(
        action="scoring.drop_disable",
        target=drop,
        actor=user,
        company=drop.company,
        after={"reason": reason} if reason else None,
    )
    return drop


def safe_stem(name):
    """The file's name without its extension, in characters any file system takes."""
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return SAFE_NAME.sub("_", stem).strip("._")[:100] or "file"


def real_folder(path):
    """Whether ``path`` is a directory under the drop root with no link on the way."""
    root = Path(settings.ONESTOP_DROP_ROOT)
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    current = root
    for part in relative.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(mode):
            return False
    return True


def settled_files(drop, now):
    """(entry, identity) of the inbox's plain files that have not changed since before the
    settle time, oldest first."""
    settled = (now - timedelta(seconds=settings.ONESTOP_DROP_SETTLE_SECONDS)).timestamp()
    found = []
    with os.scandir(drop.inbox) as entries:
        for index, entry in enumerate(entries):
            if index >= ENTRIES_PER_SCAN:
                break
            if entry.name.startswith(".") or entry.name.endswith((".part", ".tmp")):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode) and max(info.st_mtime, info.st_ctime) <= settled:
                found.append((entry, identity(entry.name, info)))
    return sorted(found, key=lambda item: item[0].stat(follow_symlinks=False).st_mtime)


def identity(name, info):
    raw = f"{name}\0{info.st_ino}\0{info.st_size}\0{info.st_mtime_ns}"
    return hashlib.sha256(raw.encode()).hexdigest()


def take(drop, entry, key):
    """Score one dropped file; False when it must wait (the company's jobs are at their
    limit, the endpoint is not ready)."""
    if ScoringJob.objects.filter(drop=drop, drop_key=key).exists():
        remove(entry.path)  # scored already; only its removal was missed
        return True
    if entry.stat(follow_symlinks=False).st_size > settings.ONESTOP_MAX_UPLOAD_BYTES:
        refuse(drop, entry)
        return True
    try:
        descriptor = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return True  # gone, or swapped for a link since it was listed: not ours to read
    with os.fdopen(descriptor, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino != entry.inode():
            return True
        try:
            job = scoring_start(
                endpoint=drop.endpoint,
                user=drop.created_by,
                upload=File(handle, name=entry.name[:255]),
                drop=drop,
                drop_key=key,
            )
        except ValidationError:
            return False  # the next scan tries again
    log.info("drop folder %s: %s became scoring job %s", drop.pk, entry.name, job.pk)
    remove(entry.path)
    return True


def remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def refuse(drop, entry):
    """A file too large to score: set aside in the inbox (hidden), with a note in the outbox."""
    from django.utils.translation import gettext as _

    from diagnosis.datacheck.errors import TOO_BIG, human_size

    os.replace(entry.path, drop.inbox / f".refused-{entry.name}")
    note = _(str(TOO_BIG)) % {"limit": human_size(settings.ONESTOP_MAX_UPLOAD_BYTES)}
    write_outbox(drop, f"{safe_stem(entry.name)}-refused.txt", text=note)


def write_outbox(drop, name, text=None, source=None):
    """A new file in the outbox, written whole: through a file this scan creates (never one
    that exists, never a link), then renamed to ``name``, which is never overwritten."""
    descriptor, part = tempfile.mkstemp(dir=drop.outbox, prefix=".onestop-", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as out:
            if source is not None:
                with open(source, "rb") as data:
                    while block := data.read(1024 * 1024):
                        out.write(block)
            else:
                out.write((str(text) + "\n").encode())
        target, n = drop.outbox / name, 1
        while os.path.lexists(target):
            n += 1
            target = drop.outbox / f"{Path(name).stem}-{n}{Path(name).suffix}"
        os.rename(part, target)
    finally:
        remove(part)


def deliver(drop):
    """Each ended job of the folder: the scored file, or a note of why there is none."""
    delivered = 0
    for job in ScoringJob.objects.filter(drop=drop, state__in=ENDED, delivered_at__isnull=True):
        stem = f"{safe_stem(job.original_name)}-{job.pk}"
        if job.state == ScoringJob.State.READY and job.result_path.exists():
            write_outbox(drop, f"{stem}-scored.csv", source=job.result_path)
        else:
            write_outbox(drop, f"{stem}-error.txt", text=job.error)
        ScoringJob.objects.filter(pk=job.pk).update(delivered_at=timezone.now())
        delivered += 1
    return delivered


def still_an_owner(drop):
    return Membership.objects.filter(
        user=drop.created_by, company=drop.company, role=Membership.Role.OWNER
    ).exists()


def scan_one(drop, now):
    if not all(real_folder(folder) for folder in (drop.folder, drop.inbox, drop.outbox)):
        log.warning("drop folder %s: not a plain folder under the root; skipped", drop.pk)
        return 0, 0
    if drop.created_by is None or not still_an_owner(drop):
        drop_disable(drop=drop, user=None, reason="the owner who turned it on left the company")
        return 0, 0
    delivered, taken = deliver(drop), 0
    if drop.endpoint.state in SCORABLE:
        for entry, key in settled_files(drop, now):
            if not take(drop, entry, key):
                break
            taken += 1
    ScoringDrop.objects.filter(pk=drop.pk).update(last_scan_at=now)
    return taken, delivered


def drops_scan(now=None):
    """Take what has settled in every enabled drop folder and deliver what has ended. One
    folder that fails is logged and skipped; the others are scanned."""
    now = now or timezone.now()
    started = time.monotonic()
    totals = {"taken": 0, "delivered": 0}
    drops = ScoringDrop.objects.filter(enabled=True).select_related("endpoint", "company")
    for drop in drops.order_by("last_scan_at", "pk"):  # the longest unscanned first
        if time.monotonic() - started > SCAN_SECONDS:
            break
        try:
            with translation.override(settings.LANGUAGE_CODE):  # nobody asked: the site's
                taken, delivered = scan_one(drop, now)
        except Exception:
            log.exception("drop folder %s: the scan failed", drop.pk)
            continue
        totals["taken"] += taken
        totals["delivered"] += delivered
    return totals
