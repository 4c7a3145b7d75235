"""Exact quantiles, histograms and outlier counts of a numeric column in bounded memory.

A column with few distinct values (most sensor exports, which round to a few decimals) is
answered from its value counts. Any other is bucketed: one streaming group-by counts its
values in BUCKETS equal slices of [min, max] (with each slice's own min and max), the slice
holding each wanted rank is found from the running counts, and only that slice's values are
read to pick the rank exactly. A slice too full to read (a column piled up around a few
values, or one enormous outlier stretching the slices) is sliced again, inside its own min and
max, until it fits. The bucket of a value is a monotone function of it, so ranks are exact;
memory holds a few slices' values, never the column."""

import math

import numpy as np
import polars as pl

from diagnosis.datacheck.counting import EXACT_DISTINCT, value_counts

BUCKETS = 16_384
COLLECT_AT_ONCE = 1_000_000  # values of the wanted slices read into memory at once
MAX_DEPTH = 8  # slicing again: a 64-bit float's range is used up long before this
HISTOGRAM_BINS = 20
X = "x"


def wanted_ranks(present, quantiles):
    """0-based ranks, among the sorted present values, each quantile interpolates between."""
    spots = [q * (present - 1) for q in quantiles]
    return sorted({i for spot in spots for i in (math.floor(spot), math.ceil(spot))})


def interpolate(quantiles, present, value_at):
    """Linear interpolation between the two ranks around each quantile's position, as numpy's
    and polars' default quantile does."""
    out = {}
    for q in quantiles:
        spot = q * (present - 1)
        low, high = value_at[math.floor(spot)], value_at[math.ceil(spot)]
        out[q] = low + (high - low) * (spot - math.floor(spot))
    return out


def from_counts(counts, ranks):
    """{rank: value} from value counts sorted by value."""
    cumulative = np.cumsum(counts.get_column("n").to_numpy())
    index = np.searchsorted(cumulative, ranks, side="right")
    values = counts.get_column("value")
    return {rank: values[int(i)] for rank, i in zip(ranks, index, strict=True)}


def quantiles_of(lazy, *, present, low, high, estimate, quantiles):
    """{q: value} of the single column X of `lazy` (no missing values): exact."""
    ranks = wanted_ranks(present, quantiles)
    if estimate <= EXACT_DISTINCT:
        counts = value_counts(lazy, [X], present)[X].sort("value")
        return interpolate(quantiles, present, from_counts(counts, ranks))
    return interpolate(quantiles, present, by_buckets(lazy, low, high, ranks))


def bucket_of(low, high, buckets):
    width = (high - low) / buckets
    if math.isfinite(width) and width > 0:
        position = (pl.col(X) - low) / width
    else:  # a range wider than a float holds: halve both ends first
        position = (pl.col(X) / 2 - low / 2) / ((high / 2 - low / 2) / buckets)
    return position.floor().clip(0, buckets - 1).cast(pl.Int32)


def display_bin(low, high, column=X):
    """The histogram's bin of a value, as the profile has always drawn it."""
    width = (high - low) / HISTOGRAM_BINS
    return ((pl.col(column) - low) / width).floor().clip(0, HISTOGRAM_BINS - 1).cast(pl.Int32)


def bucket_table(lazy, low, high, *, display=False):
    """Per bucket: count, min and max; with `display`, split by histogram bin too."""
    keys = [bucket_of(low, high, BUCKETS).alias("b")]
    if display:
        keys.append(display_bin(low, high).alias("d"))
    return (
        lazy.group_by(keys)
        .agg(pl.len().alias("n"), pl.col(X).min().alias("lo"), pl.col(X).max().alias("hi"))
        .collect(engine="streaming")
    )


def by_buckets(lazy, low, high, ranks, *, table=None, depth=0):
    """{rank: value} for 0-based ranks among the sorted values of column X (no nulls) whose
    min and max are `low` and `high`."""
    if low == high:
        return dict.fromkeys(ranks, low)
    if table is None:
        table = bucket_table(lazy, low, high)
    table = (
        table.group_by("b")
        .agg(pl.col("n").sum(), pl.col("lo").min(), pl.col("hi").max())
        .sort("b")
        .with_columns(pl.col("n").cum_sum().alias("through"))
    )
    through = table.get_column("through").to_numpy()
    found, read, again = {}, {}, {}
    for rank in ranks:
        row = table.row(int(np.searchsorted(through, rank, side="right")), named=True)
        within = rank - (row["through"] - row["n"])
        if row["lo"] == row["hi"]:
            found[rank] = row["lo"]
        elif row["n"] <= COLLECT_AT_ONCE or depth >= MAX_DEPTH:
            read.setdefault(row["b"], []).append((rank, within))
        else:
            again.setdefault(row["b"], (row["lo"], row["hi"], []))[2].append((rank, within))
    bucket = bucket_of(low, high, BUCKETS)
    found.update(read_ranks(lazy, bucket, read))
    for key, (lo, hi, wanted) in again.items():
        inside = by_buckets(
            lazy.filter(bucket == key), lo, hi, [w for _r, w in wanted], depth=depth + 1
        )
        found.update({rank: inside[within] for rank, within in wanted})
    return found


def read_ranks(lazy, bucket, read):
    if not read:
        return {}
    values = (
        lazy.select(bucket.alias("b"), pl.col(X))
        .filter(pl.col("b").is_in(list(read)))
        .collect(engine="streaming")
    )
    found = {}
    for key, wanted in read.items():
        sorted_values = values.filter(pl.col("b") == key).get_column(X).sort()
        found.update({rank: sorted_values[within] for rank, within in wanted})
    return found


def number_distribution(lazy, name, *, present, low, high, counts, quantiles):
    """Quantiles, histogram counts by bin and, for a bucketed column, the outlier fences still to
    count (None when the outliers were counted here). Returns (quantiles, bins, outliers)."""
    if not present:
        return dict.fromkeys(quantiles), {}, 0
    histogram = low is not None and high > low and math.isfinite(high - low)
    ranks = wanted_ranks(present, quantiles)
    column = lazy.select(pl.col(name).alias(X)).drop_nulls()
    if counts is not None:
        counts = counts.sort("value")
        values = interpolate(quantiles, present, from_counts(counts, ranks))
        bins = {}
        if histogram:
            binned = counts.group_by(display_bin(low, high, "value").alias("d"))
            bins = dict(binned.agg(pl.col("n").sum()).iter_rows())
        beyond = counts.select(outlier_expr("value", values[0.25], values[0.75], weight="n"))
        return values, bins, beyond.item()
    table = bucket_table(column, low, high, display=histogram)
    values = interpolate(quantiles, present, by_buckets(column, low, high, ranks, table=table))
    bins = dict(table.group_by("d").agg(pl.col("n").sum()).iter_rows()) if histogram else {}
    return values, bins, None


def outlier_expr(name, q1, q3, *, weight=None):
    """Values beyond 1.5 × the interquartile range outside the quartiles (counted `weight`
    times each, for value counts)."""
    fence = 1.5 * (q3 - q1)
    column = pl.col(name)
    beyond = (column < q1 - fence) | (column > q3 + fence)
    if weight is not None:
        return pl.col(weight).filter(beyond).sum().alias(name)
    return beyond.sum().alias(name)
