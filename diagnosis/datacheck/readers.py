"""Open an uploaded table as a polars LazyFrame, whatever shape it came in. CSV is scanned in
place when it is UTF-8, and transcoded to UTF-8 in a streaming pass otherwise; an Excel sheet is
streamed row by row into a CSV after its archive has been checked; Parquet is scanned as is.
Nothing is read into memory whole, and nothing wider than TableLimits reaches a parser."""

import codecs
import csv
import datetime as dt
import re
import stat
import zipfile
from dataclasses import dataclass

import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import errors
from diagnosis.datacheck.errors import UnreadableFile, human_size
from diagnosis.datacheck.limits import TableLimits, bounded_lines, check_columns, check_lines

TRANSCODE_CHUNK = 1024 * 1024
TABLE_LIMITS = TableLimits()
BLANK = "\0blank"  # a helper column; text files cannot hold NUL, so no header clashes


@dataclass(frozen=True)
class ArchiveLimits:
    max_unpacked_bytes: int = 1024**3
    max_entries: int = 10_000


def open_table(path, fmt, workdir, *, archive_limits=ArchiveLimits(), table_limits=TABLE_LIMITS):
    """A LazyFrame over the file (columns as text, or typed for Parquet)."""
    if fmt.kind == "parquet":
        return scan_parquet(path, table_limits)
    if fmt.kind == "xlsx":
        check_archive(path, archive_limits)
        path = xlsx_to_csv(path, fmt, workdir / "sheet.csv", table_limits)
        # A workbook's cell can hold 32,767 characters: its header row is checked like a line
        # of an uploaded text file, so a cut-off header never passes for the whole one.
        check_lines(path, table_limits)
        names = read_header(path, "utf-8", ",", table_limits)
        return scan_text(path, delimiter=",", names=names)
    check_lines(path, table_limits)
    if fmt.encoding != "utf-8":
        path = transcode(path, fmt.encoding, workdir / "source-utf8.csv")
    names = read_header(path, "utf-8-sig", fmt.delimiter, table_limits)
    return scan_text(path, delimiter=fmt.delimiter, names=names)


def scan_text(path, *, delimiter, names):
    lazy = pl.scan_csv(
        path,
        separator=delimiter,
        has_header=True,
        new_columns=names,
        infer_schema=False,
        truncate_ragged_lines=False,
        raise_if_empty=False,
    )
    # A record with nothing in any cell is not a row: Excel's ",,,,," lines below a table and
    # a blank last line would otherwise count as rows missing every value. Computed as a
    # column and then filtered on: a filter over every column pushed down into the scan
    # takes polars' planner seconds per thousand columns.
    blank = pl.concat_str(pl.all(), separator="", ignore_nulls=True).str.strip_chars() == ""
    return lazy.with_columns(blank.alias(BLANK)).filter(~pl.col(BLANK)).drop(BLANK)


def read_header(path, encoding, delimiter, limits):
    with open(path, encoding=encoding, newline="") as f:
        lines = bounded_lines(f, limits.max_line_bytes)
        for row in csv.reader(lines, delimiter=delimiter):
            if any(cell.strip() for cell in row):
                check_columns(len(row), limits)
                return column_names(row)
    raise UnreadableFile(errors.NO_HEADER)


def column_names(row):
    """Header cells as names: trimmed, blanks named by position, repeats numbered. Korean and
    any other text is kept as the user wrote it."""
    wanted = [
        re.sub(r"\s+", " ", str(cell or "")).strip() or _("column %(n)s") % {"n": index}
        for index, cell in enumerate(row, start=1)
    ]
    # Linear however many repeats: each name remembers the number it reached, so the
    # thousandth "a" does not try "a (2)" to "a (999)" again.
    originals, taken, reached = set(wanted), set(), {}
    names = []
    for name in wanted:
        candidate, n = name, reached.get(name, 1)
        if n > 1 or candidate in taken:
            # "a, a, a (2)": the second "a" must not take the name the third already has.
            while candidate in taken or candidate in originals:
                n += 1
                candidate = f"{name} ({n})"
        reached[name] = n
        taken.add(candidate)
        names.append(candidate)
    return names


def transcode(source, encoding, target):
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with open(source, "rb") as src, open(target, "w", encoding="utf-8", newline="") as out:
        while chunk := src.read(TRANSCODE_CHUNK):
            try:
                out.write(decoder.decode(chunk))
            except UnicodeDecodeError as exc:
                raise UnreadableFile(errors.ENCODING, offset=f"{offset + exc.start:,}") from None
            offset += len(chunk)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise UnreadableFile(errors.ENCODING, offset=f"{offset:,}") from None
    return target


def scan_parquet(path, limits):
    try:
        schema = pl.read_parquet_schema(path)
    except Exception as exc:  # polars raises several kinds for a damaged footer
        raise UnreadableFile(errors.BAD_PARQUET, detail=first_line(exc)) from None
    if not schema:
        raise UnreadableFile(errors.EMPTY)
    check_columns(len(schema), limits)
    lf = pl.scan_parquet(path)
    nested = [name for name, dtype in schema.items() if dtype.is_nested()]
    return lf.drop(nested) if nested else lf


def first_line(exc):
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


# --- Excel ---------------------------------------------------------------------------------


def check_archive(path, limits):
    """Zip-bomb and content checks on the archive's directory, before anything is unpacked
    (OWASP ASVS V5.2.3). zipfile stops each entry at its declared size, so the declared total
    bounds what reading can produce. Entry paths are never used to write files."""
    try:
        with zipfile.ZipFile(path) as zf:
            entries = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        raise UnreadableFile(errors.BINARY) from None
    if len(entries) > limits.max_entries:
        raise UnreadableFile(
            errors.ARCHIVE_TOO_MANY, count=f"{len(entries):,}", limit=f"{limits.max_entries:,}"
        )
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFile(
            errors.ARCHIVE_TOO_BIG,
            size=human_size(unpacked),
            limit=human_size(limits.max_unpacked_bytes),
        )
    for entry in entries:
        check_entry(entry)
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        if any(name.endswith((".pkl", ".pickle", "data.pkl")) for name in names):
            raise UnreadableFile(errors.PICKLE_ARCHIVE)
        raise UnreadableFile(errors.NOT_A_WORKBOOK)


def check_entry(entry):
    """A workbook's parts are named inside it; one that climbs out of the archive (`../`, an
    absolute path) or is a symbolic link is there to trick a tool that unpacks it."""
    parts = entry.filename.replace("\\", "/").split("/")
    if entry.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise UnreadableFile(errors.ARCHIVE_ESCAPE, name=entry.filename[:100])
    if stat.S_ISLNK(entry.external_attr >> 16):
        raise UnreadableFile(errors.ARCHIVE_LINK, name=entry.filename[:100])


def xlsx_to_csv(path, fmt, target, limits=TABLE_LIMITS):
    import openpyxl  # only Excel uploads pay for the import

    # Opened from a file object: openpyxl judges a path by its extension, and an upload is
    # stored without one (what it is was decided by its bytes).
    with open(path, "rb") as stream:
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on damaged workbooks
            raise UnreadableFile(errors.BROKEN_TABLE, detail=first_line(exc)) from None
        try:
            fmt.sheets = list(workbook.sheetnames)
            sheet = fmt.sheet or first_sheet_with_data(workbook)
            if sheet not in fmt.sheets:
                raise UnreadableFile(errors.BAD_SHEET, sheet=sheet, sheets=", ".join(fmt.sheets))
            fmt.sheet = sheet
            merges = merged_ranges(path, sheet)
            rows = workbook[sheet].iter_rows(values_only=True)
            write_sheet(rows, merges, fmt, target, limits)
        finally:
            workbook.close()
    return target


def first_sheet_with_data(workbook):
    """A cover sheet left empty should not hide the table behind it."""
    for name in workbook.sheetnames:
        for row in workbook[name].iter_rows(values_only=True, max_row=50):
            if any(cell_text(c) for c in row):
                return name
    return workbook.sheetnames[0]


def write_sheet(rows, merges, fmt, target, limits):
    numbered = ((number, row) for number, row in enumerate(rows, start=1))
    first = next(((n, r) for n, r in numbered if any(cell_text(c) for c in r)), None)
    if first is None:
        raise UnreadableFile(errors.EMPTY_SHEET, sheet=fmt.sheet)
    number, row = first
    if is_title_row(row, number, merges):
        fmt.notes.append(_("Row %(row)s looks like a title and was skipped.") % {"row": number})
        number, row = next(((n, r) for n, r in numbered if any(cell_text(c) for c in r)), (0, ()))
        if not row:
            raise UnreadableFile(errors.NO_ROWS)
    header = [cell_text(c) for c in row]
    if any(m[1] == number and m[2] > m[0] for m in merges):
        # Merged cells over sub-headings: "온도" over "상단" and "하단" become
        # "온도 상단" and "온도 하단".
        sub_number, sub_row = next(numbered, (0, ()))
        header = combine_headers(header, [cell_text(c) for c in sub_row], number, merges)
        fmt.notes.append(
            _(
                "Merged header cells in rows %(first)s–%(second)s were combined into one name "
                "per column."
            )
            % {"first": number, "second": sub_number}
        )
    check_columns(len(header), limits)
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for _number, data in numbered:
            check_columns(len(data), limits)
            writer.writerow([cell_text(c) for c in data])


def is_title_row(row, number, merges):
    filled = [c for c in row if cell_text(c)]
    wide_merge = any(m[1] == number and m[2] - m[0] >= 2 for m in merges)
    return len(filled) == 1 and wide_merge


def combine_headers(top, sub, number, merges):
    width = max(len(top), len(sub))
    top = top + [""] * (width - len(top))
    sub = sub + [""] * (width - len(sub))
    for min_col, min_row, max_col, _max_row in merges:
        if min_row == number:
            for col in range(min_col, min(max_col, width) + 1):
                top[col - 1] = top[min_col - 1]
    return [" ".join(part for part in (t, s) if part) for t, s in zip(top, sub, strict=True)]


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


MERGE_CELL = re.compile(rb'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"')
SHEET_TAG = re.compile(rb"<sheet\s[^>]*>")
RELATION_TAG = re.compile(rb"<Relationship\s[^>]*>")


def attribute(tag, name):
    """One attribute of an XML start tag, wherever it stands among the others."""
    found = re.search(rb"\s" + re.escape(name) + rb'="([^"]*)"', tag)
    return found.group(1).decode() if found else None


def merged_ranges(path, sheet):
    """(min_col, min_row, max_col, max_row) of the sheet's merged cells. openpyxl's streaming
    mode does not report merges, so the sheet's XML is scanned in chunks for them."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, sheet)
        if part is None:
            return []
        found, carry = [], b""
        with zf.open(part) as stream:
            while chunk := stream.read(TRANSCODE_CHUNK):
                data = carry + chunk
                found += MERGE_CELL.findall(data)
                carry = data[-64:]
        refs = {f"{a.decode()}:{b.decode()}" for a, b in found}
    return [range_boundaries(ref) for ref in sorted(refs)]


def sheet_part(zf, sheet):
    names = {
        attribute(tag, b"name"): attribute(tag, b"r:id")
        for tag in SHEET_TAG.findall(zf.read("xl/workbook.xml"))
    }
    try:
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    targets = {
        attribute(tag, b"Id"): attribute(tag, b"Target") for tag in RELATION_TAG.findall(rels)
    }
    target = targets.get(names.get(escape_xml(sheet), ""))
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def escape_xml(text):
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
