"""Counting values in bounded memory: how often each value occurs, how many distinct values a
column has, the commonest values of a column with too many to count one by one, and duplicate
rows. Each reads the typed Parquet file in polars' streaming engine and holds at most a fixed
number of values, however many rows the file has.

Exact wherever the values fit (columns with up to EXACT_DISTINCT distinct values, which is
nearly every column a plant exports, and duplicate rows always); a HyperLogLog sketch for the
number of distinct values above that. docs/data-check.md gives the bounds."""

import math

import polars as pl

# A column whose routing estimate is at most this is counted value by value (exact distinct
# count, top values, quantiles). The estimate is polars' own streaming approx_n_unique, which
# merges small sketches (errors of up to a tenth measured on a million values): good enough to
# choose a path, not to report. 100,000 values take a few megabytes.
EXACT_DISTINCT = 100_000
# A batch of columns is read whole when it has at most this many cells (a narrow file's columns
# are then counted in one query instead of one query each); longer columns stream one at a time.
CELLS_AT_ONCE = 1_000_000
COLUMNS_AT_ONCE = 200
# HyperLogLog with 2^14 registers: standard error 1.04 / √16,384 ≈ 0.81 %.
HLL_BITS = 14
HLL_SEED = 7
# Row hashes counted at once when looking for duplicate rows (about 8 bytes each, plus the set).
HASHES_AT_ONCE = 2_000_000
# The commonest values of a column with more distinct values than EXACT_DISTINCT: Misra–Gries
# counters over chunks of CHUNK_ROWS rows, then the survivors counted exactly.
FREQUENT_COUNTERS = 10_000
CHUNK_ROWS = 1_000_000


def value_counts(lazy, names, rows):
    """{name: DataFrame(value, n)}: every distinct non-missing value of each column and how
    often it occurs, exactly. Only for columns with few enough distinct values (the caller
    routes the others elsewhere): the counts are held, the rows are not."""
    out = {}
    batch = min(COLUMNS_AT_ONCE, CELLS_AT_ONCE // max(rows, 1))
    if batch >= 2:
        for start in range(0, len(names), batch):
            chunk = names[start : start + batch]
            frame = lazy.select(
                [counted(pl.col(name).drop_nulls()).implode().alias(name) for name in chunk]
            ).collect()
            for name in chunk:
                out[name] = (
                    frame.select(pl.col(name).explode().struct.unnest()).drop_nulls("n")
                    if frame.get_column(name).list.len().item()
                    else empty_counts(frame.schema[name].inner)
                )
        return out
    for name in names:
        out[name] = (
            lazy.select(pl.col(name).alias("value"))
            .drop_nulls()
            .group_by("value")
            .agg(pl.len().alias("n"))
            .collect(engine="streaming")
        )
    return out


def counted(values):
    """{"value", "n"} structs of each distinct value and its count. The value field is renamed
    first: a column called "count" (or "n") would otherwise clash with the count's field."""
    return values.alias("value").value_counts(name="n")


def empty_counts(struct_dtype):
    return pl.DataFrame(schema={"value": struct_dtype.fields[0].dtype, "n": pl.UInt32})


def by_count(counts):
    """Commonest first; equal counts in value order, so the same file lists the same values."""
    return counts.sort(["n", "value"], descending=[True, False], nulls_last=True)


def distinct_estimate(lazy, name):
    """The number of distinct non-missing values, by HyperLogLog (Flajolet et al. 2007) with
    2^14 registers. polars' approx_n_unique would do, but under the streaming engine it merges
    far smaller sketches (errors of 5–10 % measured), and in memory it needs the whole column;
    Apache DataSketches' HLL takes one Python call per value. So the registers come from one
    streaming group-by over the column's 64-bit hashes (16,384 groups at most), and the
    estimate is the paper's, with its linear-counting correction for small counts."""
    remainder_bits = 64 - HLL_BITS
    mask = (1 << remainder_bits) - 1
    hashed = pl.col(name).drop_nulls().hash(seed=HLL_SEED).alias("h")
    registers = (
        lazy.select(hashed)
        .group_by((pl.col("h") // (1 << remainder_bits)).alias("register"))
        .agg((pl.col("h") & mask).bitwise_leading_zeros().max().alias("zeros"))
        .collect(engine="streaming")
    )
    m = 1 << HLL_BITS
    # The rank of a register: the position of the first 1 bit after its index bits.
    ranks = registers.get_column("zeros").cast(pl.Int64) - HLL_BITS + 1
    harmonic = float((2.0 ** -ranks.cast(pl.Float64)).sum()) + (m - registers.height)
    alpha = 0.7213 / (1 + 1.079 / m)
    estimate = alpha * m * m / harmonic
    empty = m - registers.height
    if estimate <= 2.5 * m and empty:
        estimate = m * math.log(m / empty)
    return round(estimate)


def frequent_values(lazy, name, rows, keep):
    """The `keep` commonest values of a column with too many distinct values to count them all
    at once, with their exact counts. Misra–Gries summaries (mergeable: Agarwal et al. 2012) of
    FREQUENT_COUNTERS counters are kept over chunks of the file, so every value occurring in
    more than rows / (FREQUENT_COUNTERS + 1) rows survives; the survivors are then counted
    exactly in one more pass."""
    summary = None
    for start in range(0, rows, CHUNK_ROWS):
        counts = (
            lazy.slice(start, CHUNK_ROWS)
            .select(pl.col(name).alias("value"))
            .drop_nulls()
            .group_by("value")
            .agg(pl.len().cast(pl.Int64).alias("n"))
            .collect(engine="streaming")
        )
        if summary is not None:
            counts = pl.concat([summary, counts]).group_by("value").agg(pl.col("n").sum())
        if counts.height > FREQUENT_COUNTERS:
            cut = counts.get_column("n").top_k(FREQUENT_COUNTERS + 1).min()
            counts = counts.with_columns(pl.col("n") - cut).filter(pl.col("n") > 0)
        summary = counts
    if summary is None or summary.height == 0:
        return pl.DataFrame(schema={"value": lazy.collect_schema()[name], "n": pl.UInt32})
    candidates = by_count(summary).head(FREQUENT_COUNTERS).get_column("value")
    exact = (
        lazy.select(pl.col(name).alias("value"))
        .filter(pl.col("value").is_in(candidates.implode()))
        .group_by("value")
        .agg(pl.len().alias("n"))
        .collect(engine="streaming")
    )
    return by_count(exact).head(keep)


def duplicate_rows(hashes, rows):
    """Rows that repeat an earlier row, from a file of one 64-bit hash per row: the hashes are
    counted a slice of their range at a time, so at most HASHES_AT_ONCE are held (a collision
    among a billion rows is about a one-in-forty chance, and would hide one duplicate)."""
    parts = max(1, math.ceil(rows / HASHES_AT_ONCE))
    column = pl.col("h")
    unique = 0
    for part in range(parts):
        selected = pl.scan_parquet(hashes)
        if parts > 1:
            selected = selected.filter(column % parts == part)
        unique += selected.select(column.n_unique()).collect(engine="streaming").item()
    return rows - unique
