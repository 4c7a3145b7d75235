"""What a file is, judged by its bytes, never by its name: CSV or other delimited text (which
encoding, delimiter and decimal mark), an Excel workbook, or Parquet. Everything else is refused
before any parser sees it."""

import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from diagnosis.datacheck import errors
from diagnosis.datacheck.errors import UnreadableFile

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_RECORDS = 200

PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other old Office files
BINARY_MAGICS = (
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ",  # xz
    b"7z\xbc\xaf",  # 7-zip
    b"Rar!",  # rar
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # jpeg
    b"\x7fELF",
    b"MZ",  # windows executables
    b"\x93NUMPY",
    b"\x89HDF",
    b"SQLite format 3",
)
# Protocol-0 pickles are ASCII; these opcode shapes do not occur at the start of a table.
PICKLE_TEXT = re.compile(rb"^(\((dp|lp|tp)\d|c[\w.]+\n[\w.]+\n|\(i[\w.]+\n)")
COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*,\d+$|^[+-]?\d+,\d+$")
POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass
class FileFormat:
    kind: str  # "csv" | "xlsx" | "parquet"
    encoding: str = "utf-8"
    bom: bool = False
    delimiter: str = ","
    decimal: str = "."
    sheet: str = ""
    sheets: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def as_dict(self):
        return {**asdict(self), "delimiter_name": self.delimiter_name if self.kind == "csv" else ""}

    @property
    def delimiter_name(self):
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]


def sniff(path):
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 4))
        tail = f.read(4)
    if size == 0 or not head.strip(b" \t\r\n\x00") or head.strip() == codecs.BOM_UTF8:
        raise UnreadableFile(errors.EMPTY)
    if is_pickle(head):
        raise UnreadableFile(errors.PICKLE)
    if head.startswith(PARQUET_MAGIC):
        if tail != PARQUET_MAGIC:
            raise UnreadableFile(errors.BAD_PARQUET, detail="the end of the file is missing")
        return FileFormat(kind="parquet")
    if head.startswith(ZIP_MAGIC):
        return FileFormat(kind="xlsx")
    if head.startswith(OLE_MAGIC):
        raise UnreadableFile(errors.OLD_EXCEL)
    if head.startswith(BINARY_MAGICS):
        raise UnreadableFile(errors.BINARY)
    return sniff_text(head, complete=size <= SAMPLE_BYTES)


def is_pickle(head):
    # Protocol 2 and later open with PROTO (0x80) and the protocol number.
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return True
    return bool(PICKLE_TEXT.match(head))


def sniff_text(head, *, complete):
    fmt = FileFormat(kind="csv")
    text, fmt.encoding, fmt.bom = decode_sample(head, complete=complete)
    if "\x00" in text or control_share(text) > 0.01:
        raise UnreadableFile(errors.BINARY)
    records = sample_records(text, complete=complete)
    fmt.delimiter = choose_delimiter(text, complete=complete)
    fmt.decimal = choose_decimal(records.get(fmt.delimiter, []), fmt.delimiter)
    return fmt


def decode_sample(head, *, complete):
    """UTF-8 (with or without a byte-order mark), UTF-16 from Excel's 'Unicode text', or CP949,
    which covers EUC-KR: the encodings Korean spreadsheets actually export."""
    if head.startswith(codecs.BOM_UTF8):
        return decode(head[3:], "utf-8", complete), "utf-8", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(head, "utf-16", complete), "utf-16", True
    for encoding in ("utf-8", "cp949"):
        try:
            return decode(head, encoding, complete), encoding, False
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(errors.BINARY)


def decode(data, encoding, complete):
    # A sample may end inside a multibyte character; only a complete file must end cleanly.
    return codecs.getincrementaldecoder(encoding)().decode(data, final=complete)


def control_share(text):
    if not text:
        return 0
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n")
    return controls / min(len(text), 65536)


def sample_records(text, *, complete):
    """The sample parsed with each candidate delimiter (quotes and quoted line breaks
    honoured); the last record is dropped when the sample ends mid-file."""
    parsed = {}
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        try:
            for row in reader:
                if row:
                    rows.append(row)
                if len(rows) > SAMPLE_RECORDS:
                    break
        except csv.Error:
            continue
        if not complete and len(rows) <= SAMPLE_RECORDS:
            rows = rows[:-1]
        parsed[delimiter] = rows
    return parsed


def choose_delimiter(text, *, complete):
    """The delimiter that splits the most records into the same number (at least two) of
    fields; ties go to the one giving more columns."""
    best, best_key = ",", (0.0, 0)
    for delimiter, rows in sample_records(text, complete=complete).items():
        if not rows:
            continue
        counts = Counter(len(row) for row in rows)
        width, agreeing = counts.most_common(1)[0]
        if width < 2:
            continue
        key = (agreeing / len(rows), width)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def choose_decimal(rows, delimiter):
    if delimiter == ",":
        return "."  # an unquoted decimal comma would split the field
    comma = point = 0
    for row in rows[1:]:
        for value in row:
            value = value.strip()
            if COMMA_DECIMAL.match(value):
                comma += 1
            elif POINT_DECIMAL.match(value):
                point += 1
    return "," if comma > point else "."
