"""Column types, inferred from a sample and then applied to the whole file as polars casts.

Kinds: number, category, datetime, boolean, text, identifier. A value that does not fit its
column's kind becomes missing and is counted, so one stray "n/a" does not turn a sensor column
into text."""

from dataclasses import asdict, dataclass, field

import polars as pl
from django.utils.translation import gettext_lazy

NUMBER, CATEGORY, DATETIME, BOOLEAN, TEXT, IDENTIFIER = (
    "number",
    "category",
    "datetime",
    "boolean",
    "text",
    "identifier",
)
KINDS = (NUMBER, CATEGORY, DATETIME, BOOLEAN, TEXT, IDENTIFIER)
# The kinds in words, for pages and messages (templates translate the stored kind).
KIND_LABELS = {
    NUMBER: gettext_lazy("number"),
    CATEGORY: gettext_lazy("category"),
    DATETIME: gettext_lazy("datetime"),
    BOOLEAN: gettext_lazy("boolean"),
    TEXT: gettext_lazy("text"),
    IDENTIFIER: gettext_lazy("identifier"),
}

NULL_TOKENS = ["", "na", "n/a", "nan", "null", "none", "#n/a", "#value!", "#div/0!", "-"]
TRUE_WORDS = {"1", "true", "t", "yes", "y", "예", "o", "ok"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "아니오", "x", "ng"}
BOOLEAN_PAIRS = [
    {"0", "1"},
    {"true", "false"},
    {"t", "f"},
    {"yes", "no"},
    {"y", "n"},
    {"예", "아니오"},
    {"o", "x"},
    {"ok", "ng"},
]
# Tried in order; a column may mix several (the report says so). Year-first formats come
# first because Korean exports use them; day-first and month-first are ambiguous and last.
DATETIME_FORMATS = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y. %m. %d.",
    "%Y년 %m월 %d일",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y",
]
NUMBER_SHARE = 0.95  # of non-missing sample values that must read as numbers
DATETIME_SHARE = 0.95
CATEGORY_MAX_DISTINCT = 50
IDENTIFIER_DISTINCT_SHARE = 0.95
MIN_VALUES_FOR_IDENTIFIER = 20


@dataclass
class ColumnSpec:
    name: str
    kind: str
    source_dtype: str = "String"
    formats: list = field(default_factory=list)  # datetime formats used, in order
    unparsed_share: float = 0.0  # sample values that did not fit the kind
    # Numbers that need more than a plain cast (spaces, thousands separators, decimal commas).
    # A plain cast already turns "n/a" and other words into missing values, and is several
    # times faster on a million rows.
    needs_cleaning: bool = True
    # Of `formats`, those ending in fractional seconds ("%.f") that no sample value used: the
    # whole file is read with the format without them first, and only what that leaves with it.
    whole_seconds: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def cleaned(expr):
    """Trimmed text with the usual spreadsheet placeholders for 'nothing' as null."""
    text = expr.str.strip_chars()
    return pl.when(text.str.to_lowercase().is_in(NULL_TOKENS)).then(None).otherwise(text)


def finite(values):
    """NaN and ±inf (from "NaN" or "inf" text, or a float file) count as missing: no statistic
    or histogram of a sensor means anything with them in."""
    return pl.when(values.is_finite()).then(values).otherwise(None)


def number_expr(expr, decimal, *, clean=True, finite_only=True):
    keep = finite if finite_only else (lambda values: values)
    if not clean:
        return keep(expr.cast(pl.Float64, strict=False))
    text = cleaned(expr)
    if decimal == ",":
        text = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    else:
        # Thousands separators only where they group digits correctly ("1,234.5").
        grouped = text.str.contains(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
        text = pl.when(grouped).then(text.str.replace_all(",", "", literal=True)).otherwise(text)
    return keep(text.cast(pl.Float64, strict=False))


def datetime_expr(expr, formats, whole_seconds=()):
    # Words like "n/a" fail every format and become missing; only padding needs removing.
    text = expr.str.strip_chars()
    parsed = [parse_datetime(text, f, whole_seconds=f in whole_seconds) for f in formats]
    return pl.coalesce(parsed) if len(parsed) > 1 else parsed[0]


def parse_datetime(text, fmt, *, whole_seconds=False):
    """Optional fractional seconds ("%.f") take polars several times longer to read than a
    fixed format: where the sample had none, the fixed format reads what it can first and the
    full one reads only the rest (the same values either way: a fixed-format match is a
    match without a fraction)."""
    if not whole_seconds:
        return text.str.to_datetime(fmt, strict=False, time_unit="us")
    whole = text.str.to_datetime(fmt.removesuffix("%.f"), strict=False, time_unit="us")
    rest = pl.when(whole.is_null()).then(text)
    return pl.coalesce(whole, rest.str.to_datetime(fmt, strict=False, time_unit="us"))


def boolean_expr(expr):
    text = cleaned(expr).str.to_lowercase()
    return (
        pl.when(text.is_in(list(TRUE_WORDS)))
        .then(True)
        .when(text.is_in(list(FALSE_WORDS)))
        .then(False)
        .otherwise(None)
    )


def infer(sample, decimal="."):
    """A ColumnSpec per column of the sample DataFrame."""
    return [infer_column(sample.get_column(name), decimal) for name in sample.columns]


def infer_column(series, decimal):
    name, dtype = series.name, series.dtype
    if dtype == pl.Boolean:
        return ColumnSpec(name, BOOLEAN, str(dtype))
    if dtype in (pl.Datetime, pl.Date):
        return ColumnSpec(name, DATETIME, str(dtype))
    if dtype == pl.Duration:
        return ColumnSpec(name, NUMBER, "Duration")  # as seconds
    if dtype.is_numeric():
        values = series.drop_nulls()
        if values.len() and set(values.unique().to_list()) <= {0, 1}:
            return ColumnSpec(name, BOOLEAN, str(dtype))
        return ColumnSpec(name, numeric_kind(values), str(dtype))
    if dtype != pl.String:
        return ColumnSpec(name, TEXT, "Other")  # times of day, bytes and the like: shown as text
    return infer_text_column(series, decimal)


def infer_text_column(series, decimal):
    name = series.name
    frame = series.to_frame()
    text = frame.select(cleaned(pl.col(name)).alias(name)).get_column(name).drop_nulls()
    present = text.len()
    if present == 0:
        return ColumnSpec(name, TEXT)
    lowered = set(text.str.to_lowercase().unique().head(3).to_list())
    if len(lowered) <= 2 and any(lowered <= pair for pair in BOOLEAN_PAIRS):
        return ColumnSpec(name, BOOLEAN)
    # "inf" is a number, though not one a statistic can use: it counts towards the kind.
    numbers = (
        frame.select(number_expr(pl.col(name), decimal, finite_only=False)).to_series().drop_nulls()
    )
    if numbers.len() >= NUMBER_SHARE * present:
        kind = numeric_kind(numbers, present_text=text)
        plain = series.cast(pl.Float64, strict=False).drop_nulls().len()
        return ColumnSpec(
            name,
            kind,
            unparsed_share=round(1 - numbers.len() / present, 4),
            needs_cleaning=decimal == "," or plain < numbers.len(),
        )
    formats = datetime_formats(frame, name, present)
    if formats:
        parsed = frame.select(datetime_expr(pl.col(name), formats)).to_series().drop_nulls()
        return ColumnSpec(
            name,
            DATETIME,
            formats=formats,
            unparsed_share=round(1 - parsed.len() / present, 4),
            whole_seconds=whole_second_formats(text, formats),
        )
    distinct = text.n_unique()
    if distinct <= max(CATEGORY_MAX_DISTINCT, present // 1000):
        return ColumnSpec(name, CATEGORY)
    if looks_like_codes(text, present, distinct):
        return ColumnSpec(name, IDENTIFIER)
    return ColumnSpec(name, TEXT)


def looks_like_codes(text, present, distinct):
    """Short, space-free values that (almost) never repeat: serial numbers, lot codes."""
    return (
        present >= MIN_VALUES_FOR_IDENTIFIER
        and distinct >= IDENTIFIER_DISTINCT_SHARE * present
        and text.str.len_chars().mean() <= 40
        and text.str.contains(" ").mean() <= 0.5
    )


def numeric_kind(values, present_text=None):
    """Whole numbers that count up one by one and never repeat are row numbers or ids."""
    if values.len() < MIN_VALUES_FOR_IDENTIFIER:
        return NUMBER
    if values.n_unique() == values.len() and (values == values.round(0)).all():
        steps = values.diff().drop_nulls()
        if steps.len() and (steps == 1).mean() > 0.99:
            return IDENTIFIER
    if present_text is not None and present_text.str.contains(r"^0\d").mean() > 0.5:
        return IDENTIFIER  # "00123": a code kept as text, not a quantity
    return NUMBER


def datetime_formats(frame, name, present):
    """The formats that, together, read most of the column; None when they read too little."""
    text = frame.select(cleaned(pl.col(name)).alias(name)).get_column(name).drop_nulls()
    if not text.str.contains(r"\d{1,4}[-/.년]").mean() > 0.5:
        return None
    remaining, chosen = text, []
    for fmt in DATETIME_FORMATS:
        if remaining.len() == 0:
            break
        parsed = remaining.str.to_datetime(fmt, strict=False, time_unit="us")
        if parsed.null_count() < remaining.len():
            chosen.append(fmt)
            remaining = remaining.filter(parsed.is_null())
    if chosen and (present - remaining.len()) >= DATETIME_SHARE * present:
        return chosen
    return None


def whole_second_formats(text, formats):
    """The formats with optional fractional seconds whose matches in the sample had none."""
    whole = []
    for fmt in formats:
        if not fmt.endswith("%.f"):
            continue
        full = text.str.to_datetime(fmt, strict=False, time_unit="us")
        fixed = text.str.to_datetime(fmt.removesuffix("%.f"), strict=False, time_unit="us")
        if full.null_count() == fixed.null_count() and full.null_count() < text.len():
            whole.append(fmt)
    return whole


def typed_expr(spec, decimal):
    """The polars expression that turns the raw column into its kind's type."""
    column = pl.col(spec.name)
    if spec.source_dtype == "Other":
        return column.cast(pl.String, strict=False).alias(spec.name)
    if spec.source_dtype == "Duration":
        return finite(column.dt.total_microseconds().cast(pl.Float64) / 1e6).alias(spec.name)
    if spec.source_dtype != "String":
        if spec.kind == BOOLEAN and spec.source_dtype != "Boolean":
            return (column == 1).alias(spec.name)
        if spec.kind == NUMBER:
            return finite(column.cast(pl.Float64, strict=False)).alias(spec.name)
        return column
    if spec.kind == NUMBER:
        return number_expr(column, decimal, clean=spec.needs_cleaning).alias(spec.name)
    if spec.kind == DATETIME:
        return datetime_expr(column, spec.formats, spec.whole_seconds).alias(spec.name)
    if spec.kind == BOOLEAN:
        return boolean_expr(column).alias(spec.name)
    return cleaned(column).alias(spec.name)
