"""The steps between consecutive readings of a time column, in bounded memory: the usual
interval (their exact median), how many are regular or repeated, and the gaps.

A historian export is written in time order: then the steps are the differences in file order,
computed as the rows stream past. A file out of order is sorted a time range at a time: one
streaming pass counts the timestamps in BUCKETS equal slices of [start, end], consecutive
slices are grouped into ranges of about SORT_AT_ONCE timestamps, and each range is sorted in
memory and written beside the typed file; the steps are then read from those files in order."""

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from diagnosis.datacheck import ranks

SORT_AT_ONCE = 2_000_000
GAP_FACTOR = 3  # a pause longer than three usual intervals is a gap
LISTED_GAPS = 5


def steps_summary(lazy, name, *, in_order, start, end, workdir):
    """Counts over the steps between sorted timestamps; None when there are none."""
    with steps_of(lazy, name, in_order=in_order, start=start, end=end, workdir=workdir) as steps:
        steps = steps.with_columns((pl.col("step").dt.total_microseconds() / 1e6).alias(ranks.X))
        x = pl.col(ranks.X)
        count, low, high, estimate = (
            steps.select(
                pl.len(), x.min().alias("lo"), x.max().alias("hi"), x.approx_n_unique().alias("e")
            )
            .collect(engine="streaming")
            .row(0)
        )
        if count == 0:
            return None
        median = ranks.quantiles_of(
            steps.select(x), present=count, low=low, high=high, estimate=estimate, quantiles=(0.5,)
        )[0.5]
        gap = x > GAP_FACTOR * median
        regular, repeated, gaps = (
            steps.select(
                ((x - median).abs() <= 0.5 * median).sum().alias("regular"),
                (x == 0).sum().alias("repeated"),
                gap.sum().alias("gaps"),
            )
            .collect(engine="streaming")
            .row(0)
        )
        longest = []
        if median > 0 and gaps:
            longest = [
                (row["t"] - row["step"], row["t"], row["step"].total_seconds())
                for row in steps.filter(gap)
                .top_k(LISTED_GAPS, by="step")
                .collect(engine="streaming")
                .sort("step", descending=True)
                .iter_rows(named=True)
            ]
        return {
            "count": count,
            "median": median,
            "regular": regular,
            "repeated": repeated,
            "gaps": gaps,
            "longest": longest,
        }


@contextmanager
def steps_of(lazy, name, *, in_order, start, end, workdir):
    """A LazyFrame of (t, step): each timestamp after the first, in time order, and the time
    since the one before it."""
    times = lazy.select(pl.col(name).drop_nulls().alias("t"))
    if in_order:
        yield with_steps(times)
        return
    folder = Path(tempfile.mkdtemp(prefix=".sorted-", dir=workdir))
    try:
        sort_in_ranges(times, start, end, folder)
        yield with_steps(pl.scan_parquet(sorted(folder.glob("*.parquet"))))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def with_steps(times):
    return times.with_columns(pl.col("t").diff().alias("step")).drop_nulls()


def sort_in_ranges(times, start, end, folder):
    """Write the timestamps sorted, a range of about SORT_AT_ONCE at a time, into numbered
    files in `folder` (a range is never cut inside one of the BUCKETS slices, so a slice that
    alone holds more is sorted whole)."""
    dtype = times.collect_schema()["t"]
    low, high = to_number(start, dtype), to_number(end, dtype)
    number = pl.col("t").cast(pl.Int64).cast(pl.Float64).alias(ranks.X)
    numbered = times.with_columns(number)
    bucket = ranks.bucket_of(low, high, ranks.BUCKETS)
    counts = (
        numbered.group_by(bucket.alias("b"))
        .agg(pl.len().alias("n"))
        .sort("b")
        .collect(engine="streaming")
    )
    ranges, first, held = [], None, 0
    for key, n in counts.iter_rows():
        first = key if first is None else first
        held += n
        if held >= SORT_AT_ONCE:
            ranges.append((first, key))
            first, held = None, 0
    if first is not None:
        ranges.append((first, counts.get_column("b")[-1]))
    for index, (first, last) in enumerate(ranges):
        part = numbered.filter(bucket.is_between(first, last)).select("t")
        part.collect(engine="streaming").sort("t").write_parquet(folder / f"{index:06d}.parquet")


def to_number(moment, dtype):
    """A timestamp as the number its column stores (units since the epoch), for slicing."""
    return float(pl.Series([moment], dtype=dtype).cast(pl.Int64).item())
