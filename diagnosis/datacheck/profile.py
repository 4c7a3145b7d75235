"""Profile a table: normalise it once into a typed Parquet file (streamed, so memory stays
bounded), then compute every statistic from that file in a few streaming passes, each holding
a bounded number of values whatever the number of rows (counting, ranks and timeline say how).

The typed file is kept: the feasibility study and the consultant's previews read it instead of
parsing the upload again."""

import datetime as dt
import math
import os
import time
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import counting, errors, ranks, timeline, types
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.limits import TableLimits
from diagnosis.datacheck.readers import ArchiveLimits, first_line, open_table
from diagnosis.datacheck.shown import clean_float, display, percent, share
from diagnosis.datacheck.sniff import sniff

INFERENCE_ROWS = 20_000
HISTOGRAM_BINS = ranks.HISTOGRAM_BINS
TOP_VALUES = 10
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
EXPRS_AT_ONCE = 500
NORMALISED_NAME = "normalised.parquet"
HASHES_NAME = ".row-hashes.parquet"  # one hash per row, for duplicates; removed when done
# polars reads a CSV file in chunks of this many bytes, a few ahead per thread. Its default
# (tens of megabytes a chunk) held about 300 MB while reading a 1.5 GB file; 1 MB chunks hold
# a few tens of MB and parse as fast. A longer line is still read whole.
CSV_CHUNK_BYTES = 1024**2
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
    os.environ.setdefault("POLARS_CSV_CHUNK_SIZE", str(CSV_CHUNK_BYTES))
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
    normalised, hashes = workdir / NORMALISED_NAME, workdir / HASHES_NAME
    try:
        basics = write_typed(lazy, specs, detected.decimal, normalised, hashes)
        progress(60, _("Computing statistics"))
        profile = compute_profile(
            normalised, specs, basics, hashes=hashes, workdir=workdir, progress=progress
        )
    finally:
        hashes.unlink(missing_ok=True)
    profile["format"] = detected.as_dict()
    profile["seconds"] = round(time.perf_counter() - started, 3)
    progress(100, _("Profile ready"))
    return profile


def infer_types(lazy, fmt):
    try:
        # Streaming: only the first chunks of the file are read for the sample.
        sample = lazy.head(INFERENCE_ROWS).collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(errors.BROKEN_TABLE, detail=first_line(exc)) from None
    if not sample.columns:
        raise UnreadableFile(errors.NO_HEADER)
    if sample.height == 0:
        raise UnreadableFile(errors.NO_ROWS)
    return types.infer(sample, fmt.decimal)


def write_typed(lazy, specs, decimal, target, hashes):
    """The typed table to `target` and one hash per row to `hashes`, in one streaming pass
    that also computes the table's basic statistics (returned as a dict)."""
    typed = lazy.select([types.typed_expr(spec, decimal) for spec in specs])
    exprs = basics_exprs(specs)
    batches = [
        exprs[start : start + EXPRS_AT_ONCE] for start in range(0, len(exprs), EXPRS_AT_ONCE)
    ]
    try:
        done = pl.collect_all(
            [
                # Uncompressed: the file is read back a column at a time a few dozen times
                # within minutes, and LZ4 cost a tenth of the profile's time at 1,000,000 rows;
                # it takes about as much disk as the CSV it was typed from.
                typed.sink_parquet(target, compression="uncompressed", lazy=True),
                typed.select(row_hashes().alias("h")).sink_parquet(
                    hashes, compression="uncompressed", lazy=True
                ),
                *[typed.select(batch) for batch in batches],
            ],
            engine="streaming",
        )
    except pl.exceptions.PolarsError as exc:
        target.unlink(missing_ok=True)
        raise UnreadableFile(errors.BROKEN_TABLE, detail=first_line(exc)) from None
    basics = {}
    for frame in done[2:]:
        basics.update(frame.row(0, named=True))
    return basics


def basics_exprs(specs):
    kinds = {spec.name: spec.kind for spec in specs}
    return (
        [pl.len().alias("__rows")]
        + [expr for name in kinds for expr in basic_exprs(name)]
        + [
            expr
            for name, kind in kinds.items()
            if kind == types.NUMBER
            for expr in number_exprs(name)
        ]
        + [
            expr
            for name, kind in kinds.items()
            if kind == types.DATETIME
            for expr in span_exprs(name)
        ]
    )


def compute_profile(normalised, specs, basics, *, hashes, workdir, progress=no_progress):
    """The profile from the typed file and the basic statistics its writing computed."""
    lazy = pl.scan_parquet(normalised)
    kinds = {spec.name: spec.kind for spec in specs}
    numbers = [name for name, kind in kinds.items() if kind == types.NUMBER]
    times = [name for name, kind in kinds.items() if kind == types.DATETIME]
    rows = basics["__rows"]
    if rows == 0:
        raise UnreadableFile(errors.NO_ROWS)
    for name in times:  # alone: next to other aggregates, polars would hold the columns whole
        basics.update(one_row(lazy, [order_expr(name)]))
    # Columns with few distinct values (nearly all) are counted value by value: exact distinct
    # counts, top values and quantiles. The rest get a distinct-count sketch.
    estimates = {
        name: basics[f"{name}\0estimate"] - (1 if basics[f"{name}\0nulls"] else 0) for name in kinds
    }
    exact = [name for name in kinds if estimates[name] <= counting.EXACT_DISTINCT]
    counts = counting.value_counts(lazy, exact, rows)
    distinct = {
        name: counts[name].height if name in counts else counting.distinct_estimate(lazy, name)
        for name in kinds
    }

    progress(75, _("Histograms and outliers"))
    shapes = number_shapes(lazy, numbers, rows, basics, counts)

    progress(90, _("Time coverage and gaps"))
    columns = []
    for spec in specs:
        column = column_profile(spec, rows, basics, distinct[spec.name])
        if spec.kind == types.NUMBER:
            column.update(number_profile(spec.name, basics, shapes[spec.name]))
        elif spec.kind == types.DATETIME:
            column.update(time_profile(lazy, spec.name, basics, workdir))
        else:
            column["top"] = top_values(lazy, spec.name, rows, counts.get(spec.name))
        columns.append(column)
    refine_kinds(columns, rows)
    duplicates = counting.duplicate_rows(hashes, rows)
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
    the memory that comparing whole rows takes."""
    return pl.struct(pl.all()).hash(seed=0)


def basic_exprs(name):
    column = pl.col(name)
    return [
        column.null_count().alias(f"{name}\0nulls"),
        # Only to choose how to count the column (a missing value counts as one value here).
        column.approx_n_unique().alias(f"{name}\0estimate"),
    ]


def number_exprs(name):
    column = pl.col(name)
    return [
        column.min().alias(f"{name}\0min"),
        column.max().alias(f"{name}\0max"),
        column.mean().alias(f"{name}\0mean"),
        column.std().alias(f"{name}\0std"),
        (column == 0).sum().alias(f"{name}\0zeros"),
    ]


def span_exprs(name):
    column = pl.col(name)
    return [column.min().alias(f"{name}\0min"), column.max().alias(f"{name}\0max")]


def order_expr(name):
    """The smallest step in file order: not negative when the file is in time order."""
    return pl.col(name).drop_nulls().diff().min().alias(f"{name}\0order")


def number_shapes(lazy, numbers, rows, basics, counts):
    """Per number column: exact quantiles, histogram counts by bin and outliers (outside 1.5 ×
    the interquartile range beyond the quartiles). Bucketed columns' outliers are counted
    together in one more pass, once their quartiles are known."""
    shapes, fences = {}, {}
    for name in numbers:
        quantiles, bins, outliers = ranks.number_distribution(
            lazy,
            name,
            present=rows - basics[f"{name}\0nulls"],
            low=basics[f"{name}\0min"],
            high=basics[f"{name}\0max"],
            counts=counts.get(name),
            quantiles=QUANTILES,
        )
        shapes[name] = {"quantiles": quantiles, "bins": bins, "outliers": outliers}
        if outliers is None:
            fences[name] = (quantiles[0.25], quantiles[0.75])
    if fences:
        beyond = one_row(lazy, [ranks.outlier_expr(n, q1, q3) for n, (q1, q3) in fences.items()])
        for name in fences:
            shapes[name]["outliers"] = beyond[name]
    return shapes


def top_values(lazy, name, rows, counts):
    if counts is not None:
        commonest = counting.by_count(counts).head(TOP_VALUES)
    else:
        commonest = counting.frequent_values(lazy, name, rows, TOP_VALUES)
    return [{"value": display(value), "count": n} for value, n in commonest.iter_rows()]


def column_profile(spec, rows, basics, distinct):
    nulls = basics[f"{spec.name}\0nulls"]
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


def number_profile(name, basics, shape):
    stats = {key: clean_float(basics[f"{name}\0{key}"]) for key in ("min", "max", "mean", "std")}
    stats["zeros"] = basics[f"{name}\0zeros"]
    stats["quantiles"] = {str(q): clean_float(shape["quantiles"][q]) for q in QUANTILES}
    stats["outliers"] = shape["outliers"]
    low, high = stats["min"], stats["max"]
    if low is not None and high is not None and high > low and math.isfinite(high - low):
        width = (high - low) / HISTOGRAM_BINS
        stats["histogram"] = [
            {"from": low + b * width, "to": low + (b + 1) * width, "count": shape["bins"].get(b, 0)}
            for b in range(HISTOGRAM_BINS)
        ]
    else:
        stats["histogram"] = []
    return stats


def time_profile(lazy, name, basics, workdir):
    """Coverage, the usual sampling interval and the gaps, from the sorted timestamps."""
    start, end = basics[f"{name}\0min"], basics[f"{name}\0max"]
    stats = {"start": display(start), "end": display(end), "gaps": [], "gap_count": 0}
    order = basics[f"{name}\0order"]
    steps = timeline.steps_summary(
        lazy,
        name,
        in_order=order is None or order >= dt.timedelta(0),
        start=start,
        end=end,
        workdir=workdir,
    )
    if steps is None:
        stats["median_interval_seconds"] = None
        return stats
    median = steps["median"]
    stats["median_interval_seconds"] = median
    stats["span_days"] = round(((end - start).total_seconds()) / 86400, 2)
    stats["regular_share"] = share(steps["regular"], steps["count"]) if median > 0 else 0.0
    stats["repeated_timestamps"] = steps["repeated"]
    if median > 0:
        stats["gap_count"] = steps["gaps"]
        stats["gaps"] = [
            {"from": display(begun), "to": display(ended), "seconds": seconds}
            for begun, ended, seconds in steps["longest"]
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
