"""Profile a table: normalise it once into a typed Parquet file (streamed, so memory stays
bounded), then compute every statistic from that file in a few columnar passes.

The typed file is kept: the feasibility study and the consultant's previews read it instead of
parsing the upload again."""

import datetime as dt
import math
import time
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import errors, types
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.limits import TableLimits
from diagnosis.datacheck.readers import ArchiveLimits, first_line, open_table
from diagnosis.datacheck.sniff import sniff

INFERENCE_ROWS = 20_000
HISTOGRAM_BINS = 20
TOP_VALUES = 10
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SORTS_AT_ONCE = 4
EXPRS_AT_ONCE = 500
GAP_FACTOR = 3  # a pause longer than three usual intervals is a gap
LISTED_GAPS = 5
NORMALISED_NAME = "normalised.parquet"
DEFAULT_LIMITS = ArchiveLimits()
DEFAULT_TABLE_LIMITS = TableLimits()


def no_progress(percent, message):
    return None


def profile_file(
    path,
    workdir,
    *,
    fmt=None,
    archive_limits=DEFAULT_LIMITS,
    table_limits=DEFAULT_TABLE_LIMITS,
    progress=no_progress,
):
    """Read, type and profile the file; returns the profile as plain JSON-able data. The typed
    table is left at workdir/normalised.parquet."""
    started = time.perf_counter()
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    progress(5, _("Recognising the file"))
    detected = sniff(path)
    if fmt is not None:  # the user's choices (a sheet) on top of what the bytes say
        detected.sheet = fmt.sheet or detected.sheet
    progress(10, _("Reading the columns"))
    lazy = open_table(
        path, detected, workdir, archive_limits=archive_limits, table_limits=table_limits
    )
    specs = infer_types(lazy, detected)
    progress(30, _("Converting %(count)s columns to their types") % {"count": len(specs)})
    normalised = workdir / NORMALISED_NAME
    write_typed(lazy, specs, detected.decimal, normalised)
    progress(60, _("Computing statistics"))
    profile = compute_profile(normalised, specs, progress=progress)
    profile["format"] = detected.as_dict()
    profile["seconds"] = round(time.perf_counter() - started, 3)
    progress(100, _("Profile ready"))
    return profile


def infer_types(lazy, fmt):
    try:
        sample = lazy.head(INFERENCE_ROWS).collect()
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(errors.BROKEN_TABLE, detail=first_line(exc)) from None
    if not sample.columns:
        raise UnreadableFile(errors.NO_HEADER)
    if sample.height == 0:
        raise UnreadableFile(errors.NO_ROWS)
    return types.infer(sample, fmt.decimal)


def write_typed(lazy, specs, decimal, target):
    typed = lazy.select([types.typed_expr(spec, decimal) for spec in specs])
    try:
        # LZ4: the file is read back a few times within minutes; speed beats size here.
        typed.sink_parquet(target, compression="lz4", engine="streaming")
    except pl.exceptions.PolarsError as exc:
        target.unlink(missing_ok=True)
        raise UnreadableFile(errors.BROKEN_TABLE, detail=first_line(exc)) from None


def compute_profile(normalised, specs, *, progress=no_progress):
    lazy = pl.scan_parquet(normalised)
    kinds = {spec.name: spec.kind for spec in specs}
    numbers = [name for name, kind in kinds.items() if kind == types.NUMBER]
    others = [name for name, kind in kinds.items() if kind not in (types.NUMBER, types.DATETIME)]

    basics = one_row(
        lazy,
        [pl.len().alias("__rows"), row_hashes().n_unique().alias("__unique_rows")]
        + [expr for name in kinds for expr in basic_exprs(name)]
        + [expr for name in numbers for expr in number_exprs(name)]
        + [
            expr
            for name, kind in kinds.items()
            if kind == types.DATETIME
            for expr in span_exprs(name)
        ],
    )
    rows = basics["__rows"]
    if rows == 0:
        raise UnreadableFile(errors.NO_ROWS)
    basics.update(quantiles(lazy, numbers, {n: rows - basics[f"{n}\0nulls"] for n in numbers}))

    progress(75, _("Histograms and outliers"))
    shapes = one_row(lazy, [expr for name in numbers for expr in shape_exprs(name, basics)])
    tops = one_row(lazy, [top_expr(name) for name in others])

    progress(90, _("Time coverage and gaps"))
    columns = []
    for spec in specs:
        column = column_profile(spec, rows, basics)
        if spec.kind == types.NUMBER:
            column.update(number_profile(spec.name, basics, shapes))
        elif spec.kind == types.DATETIME:
            column.update(time_profile(lazy, spec.name, basics))
        else:
            column["top"] = [
                {"value": display(item["value"]), "count": item["n"]} for item in tops[spec.name]
            ]
        columns.append(column)
    refine_kinds(columns, rows)
    duplicates = rows - basics["__unique_rows"]
    return {
        "rows": rows,
        "columns": columns,
        "duplicate_rows": duplicates,
        "duplicate_share": share(duplicates, rows),
        "warnings": warnings_for(columns, duplicates, rows),
    }


def one_row(lazy, exprs):
    """The one-row result of aggregate expressions, as a dict, computed a batch at a time:
    polars plans one select of thousands of expressions in time that grows faster than their
    number, while each batch reads only its own columns from the typed file."""
    row = {}
    for start in range(0, len(exprs), EXPRS_AT_ONCE):
        batch = exprs[start : start + EXPRS_AT_ONCE]
        row.update(lazy.select(batch).collect(engine="streaming").row(0, named=True))
    return row


def row_hashes():
    """A 64-bit hash per row: counting distinct hashes finds duplicate rows in a fraction of
    the memory that comparing whole rows takes (a collision among a billion rows is about a
    one-in-forty chance, and would hide one duplicate)."""
    return pl.struct(pl.all()).hash(seed=0)


def basic_exprs(name):
    column = pl.col(name)
    return [
        column.null_count().alias(f"{name}\0nulls"),
        column.n_unique().alias(f"{name}\0distinct"),
    ]


def number_exprs(name):
    column = pl.col(name)
    exprs = [
        column.min().alias(f"{name}\0min"),
        column.max().alias(f"{name}\0max"),
        column.mean().alias(f"{name}\0mean"),
        column.std().alias(f"{name}\0std"),
        (column == 0).sum().alias(f"{name}\0zeros"),
    ]
    return exprs


def quantiles(lazy, numbers, present):
    """Linear-interpolated quantiles from one sort per column (a quantile expression each
    would sort the column once per quantile)."""
    positions = {}
    for name in numbers:
        if present[name]:
            spots = [q * (present[name] - 1) for q in QUANTILES]
            positions[name] = (spots, [i for p in spots for i in (math.floor(p), math.ceil(p))])
    out = {f"{name}\0q{q}": None for name in numbers for q in QUANTILES}
    if not positions:
        return out
    names = list(positions)
    picked = {}
    # A few columns per pass: each sort holds a whole column, so sorting them all at once
    # would hold the whole table.
    for start in range(0, len(names), SORTS_AT_ONCE):
        batch = names[start : start + SORTS_AT_ONCE]
        frame = lazy.select(
            [pl.col(n).drop_nulls().sort().gather(positions[n][1]).alias(n) for n in batch]
        ).collect(engine="streaming")
        picked.update({n: frame.get_column(n).to_list() for n in batch})
    for name, (spots, _idx) in positions.items():
        values = picked[name]
        for i, (q, spot) in enumerate(zip(QUANTILES, spots, strict=True)):
            low, high = values[2 * i], values[2 * i + 1]
            out[f"{name}\0q{q}"] = low + (high - low) * (spot - math.floor(spot))
    return out


def span_exprs(name):
    column = pl.col(name)
    return [column.min().alias(f"{name}\0min"), column.max().alias(f"{name}\0max")]


def shape_exprs(name, basics):
    """Histogram counts and the IQR outlier count, using the first pass's min, max and
    quartiles."""
    low, high = basics[f"{name}\0min"], basics[f"{name}\0max"]
    q1, q3 = basics[f"{name}\0q0.25"], basics[f"{name}\0q0.75"]
    column = pl.col(name)
    exprs = []
    if q1 is not None:
        fence = 1.5 * (q3 - q1)
        exprs.append(
            ((column < q1 - fence) | (column > q3 + fence)).sum().alias(f"{name}\0outliers")
        )
    if low is not None and high > low and math.isfinite(high - low):
        width = (high - low) / HISTOGRAM_BINS
        bucket = ((column - low) / width).floor().clip(0, HISTOGRAM_BINS - 1).cast(pl.Int32)
        exprs.append(counted(bucket.drop_nulls()).implode().alias(f"{name}\0bins"))
    return exprs


def top_expr(name):
    return counted(pl.col(name).drop_nulls(), sort=True).head(TOP_VALUES).implode().alias(name)


def counted(values, *, sort=False):
    """{"value", "n"} structs of each distinct value and its count. The value field is renamed
    first: a column called "count" (or "n") would otherwise clash with the count's field."""
    return values.alias("value").value_counts(sort=sort, name="n")


def column_profile(spec, rows, basics):
    nulls = basics[f"{spec.name}\0nulls"]
    distinct = basics[f"{spec.name}\0distinct"] - (1 if nulls else 0)
    column = {
        "name": spec.name,
        "kind": spec.kind,
        "missing": nulls,
        "missing_share": share(nulls, rows),
        "distinct": distinct,
        "constant": distinct <= 1,
    }
    if spec.unparsed_share:
        column["unparsed_share"] = spec.unparsed_share
    if spec.formats:
        column["formats"] = spec.formats
    return column


def number_profile(name, basics, shapes):
    stats = {key: clean_float(basics[f"{name}\0{key}"]) for key in ("min", "max", "mean", "std")}
    stats["zeros"] = basics[f"{name}\0zeros"]
    stats["quantiles"] = {str(q): clean_float(basics[f"{name}\0q{q}"]) for q in QUANTILES}
    stats["outliers"] = shapes.get(f"{name}\0outliers", 0)
    low, high = stats["min"], stats["max"]
    if low is not None and high is not None and high > low and math.isfinite(high - low):
        width = (high - low) / HISTOGRAM_BINS
        counts = {item["value"]: item["n"] for item in shapes[f"{name}\0bins"]}
        stats["histogram"] = [
            {"from": low + b * width, "to": low + (b + 1) * width, "count": counts.get(b, 0)}
            for b in range(HISTOGRAM_BINS)
        ]
    else:
        stats["histogram"] = []
    return stats


def time_profile(lazy, name, basics):
    """Coverage, the usual sampling interval and the gaps, from the sorted timestamps."""
    start, end = basics[f"{name}\0min"], basics[f"{name}\0max"]
    stats = {"start": display(start), "end": display(end), "gaps": [], "gap_count": 0}
    steps = (
        lazy.select(pl.col(name).drop_nulls().sort().alias("t"))
        .with_columns(pl.col("t").diff().alias("step"))
        .drop_nulls()
        .collect(engine="streaming")
    )
    if steps.height == 0:
        stats["median_interval_seconds"] = None
        return stats
    seconds = steps.get_column("step").dt.total_microseconds() / 1e6
    median = float(seconds.median())
    stats["median_interval_seconds"] = median
    stats["span_days"] = round(((end - start).total_seconds()) / 86400, 2)
    stats["regular_share"] = (
        share(int(((seconds - median).abs() <= 0.5 * median).sum()), seconds.len())
        if median > 0
        else 0.0
    )
    stats["repeated_timestamps"] = int((seconds == 0).sum())
    if median > 0:
        gaps = steps.filter(seconds > GAP_FACTOR * median).with_columns(
            (pl.col("t") - pl.col("step")).alias("from")
        )
        stats["gap_count"] = gaps.height
        stats["gaps"] = [
            {
                "from": display(row["from"]),
                "to": display(row["t"]),
                "seconds": row["step"].total_seconds(),
            }
            for row in gaps.sort("step", descending=True).head(LISTED_GAPS).iter_rows(named=True)
        ]
    return stats


def refine_kinds(columns, rows):
    """The sample guessed; the whole file decides whether a text column is an identifier."""
    for column in columns:
        present = rows - column["missing"]
        if (
            column["kind"] == types.CATEGORY
            and present >= types.MIN_VALUES_FOR_IDENTIFIER
            and column["distinct"] >= types.IDENTIFIER_DISTINCT_SHARE * present
        ):
            column["kind"] = types.IDENTIFIER


def warnings_for(columns, duplicates, rows):
    notes = []
    for column in columns:
        name = column["name"]
        if column["missing"] == rows:
            notes.append(_("'%(name)s' is empty in every row.") % {"name": name})
        elif column["constant"]:
            notes.append(
                _("'%(name)s' has the same value in every row; it carries no information.")
                % {"name": name}
            )
        elif column["missing_share"] >= 0.3:
            notes.append(
                _("'%(name)s' is missing in %(share)s of rows.")
                % {"name": name, "share": percent(column["missing_share"])}
            )
        if column.get("unparsed_share", 0) >= 0.001:
            notes.append(
                _(
                    "Some values of '%(name)s' (%(share)s of the sample) are not %(kind)s and are "
                    "treated as missing."
                )
                % {
                    "name": name,
                    "share": percent(column["unparsed_share"]),
                    "kind": _(column["kind"]),
                }
            )
        if len(column.get("formats", [])) > 1:
            notes.append(
                _("'%(name)s' mixes %(count)s date formats; all were read.")
                % {"name": name, "count": len(column["formats"])}
            )
        if column.get("gap_count"):
            notes.append(
                _("'%(name)s' has %(count)s gaps longer than three usual intervals.")
                % {"name": name, "count": column["gap_count"]}
            )
    if duplicates:
        notes.append(
            _("%(count)s rows are exact duplicates of another row.") % {"count": f"{duplicates:,}"}
        )
    return notes


def share(part, whole):
    return round(part / whole, 6) if whole else 0.0


def percent(value):
    return f"{value * 100:.1f}%"


def clean_float(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def display(value):
    """A value as JSON can hold it: dates as ISO text, bytes and other objects as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
