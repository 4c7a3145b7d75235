"""How wide a table OneStop reads, checked before any parser sees the file: the widest line in
bytes (one streaming pass that only looks for line breaks) and the number of columns (from the
header alone, or the Parquet footer). A file with 100,000 columns or a 300 MB line is refused
in a moment with a message, instead of growing the profiler by gigabytes for minutes."""

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from diagnosis.datacheck.errors import UnreadableFile, human_size

SCAN_CHUNK = 8 * 1024 * 1024
NEWLINE = ord("\n")

TOO_MANY_COLUMNS = _(
    "The file has %(count)s columns; OneStop reads at most %(limit)s. Keep the columns that "
    "matter (sensor readings, settings, the outcome) and upload the file again."
)
LINE_TOO_LONG = _(
    "Line %(line)s of the file is longer than %(limit)s. A row of a table is rarely more than "
    "a few thousand characters: the file may not be a table, or its line breaks were lost. "
    "Export it again as CSV."
)


@dataclass(frozen=True)
class TableLimits:
    max_columns: int = 1_000
    max_line_bytes: int = 1024**2


def check_columns(count, limits):
    if count > limits.max_columns:
        raise UnreadableFile(TOO_MANY_COLUMNS, count=f"{count:,}", limit=f"{limits.max_columns:,}")


def check_lines(path, limits):
    """Refuse a file with a line longer than the limit, reading it in chunks (so a 300 MB line
    is never held whole). Line breaks inside quoted cells split a line here too: the limit is
    on physical lines, which only makes it stricter for cells far beyond any real export.
    The breaks of a chunk are found by numpy: a 1.5 GB file is checked in about a second."""
    limit, line, since_break = limits.max_line_bytes, 1, 0
    with open(path, "rb") as f:
        while chunk := f.read(SCAN_CHUNK):
            breaks = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == NEWLINE)
            if breaks.size == 0:
                since_break += len(chunk)
                if since_break > limit:
                    raise_long_line(line, limits)
                continue
            if since_break + int(breaks[0]) > limit:
                raise_long_line(line, limits)
            inner = np.diff(breaks) - 1  # the lines wholly inside this chunk
            if inner.size and int(inner.max()) > limit:
                raise_long_line(line + 1 + int(np.argmax(inner > limit)), limits)
            line += int(breaks.size)
            since_break = len(chunk) - int(breaks[-1]) - 1
            if since_break > limit:
                raise_long_line(line, limits)


def raise_long_line(line, limits):
    raise UnreadableFile(LINE_TOO_LONG, line=f"{line:,}", limit=human_size(limits.max_line_bytes))


def bounded_lines(f, limit):
    """A text file's lines, none read past `limit` characters (check_lines has already refused
    longer ones; this keeps a file that changed since from being read whole)."""
    while line := f.readline(limit + 1):
        yield line
