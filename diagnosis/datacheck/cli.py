"""What the data commands (``profile_data``, ``train_model``) share: a file profiled as the
portal profiles it, the portal's refusals as the command's error, and the summary printed."""

import json
from contextlib import contextmanager

from django.core.management.base import CommandError

from diagnosis.datacheck.errors import StudyError, UnreadableFile
from diagnosis.datacheck.profile import profile_file
from diagnosis.datacheck.sniff import FileFormat


@contextmanager
def command_errors(path):
    """A missing file, a file OneStop refuses or a study that cannot run exits with status 1
    and the portal's message, never a traceback."""
    try:
        yield
    except FileNotFoundError as exc:
        if exc.filename not in (None, path):
            raise  # not the input: a folder to write to, say; the traceback says which
        raise CommandError(f"No such file: {path}") from None
    except (UnreadableFile, StudyError) as exc:
        raise CommandError(str(exc)) from None


def profile_for_command(path, workdir, sheet):
    from diagnosis.services.datachecks import archive_limits, table_limits

    return profile_file(
        path,
        workdir,
        fmt=FileFormat(kind="", sheet=sheet),
        archive_limits=archive_limits(),
        table_limits=table_limits(),
    )


def write_summary(stdout, summary, as_json, text):
    if as_json:
        stdout.write(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    else:
        stdout.write(text(summary))
