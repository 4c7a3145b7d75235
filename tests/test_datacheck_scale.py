"""The data check at scale: the profile reads a file in bounded memory, exact wherever a
statistic needs it (counts, quantiles, histograms, outliers, duplicates, gaps) and with a stated
sketch for distinct counts above 100,000, whose error is bounded here on data whose answer is
known. The paths that only large files take are forced on small ones by lowering their
thresholds."""

import csv
import datetime as dt
import math
import os
import sys

import numpy as np
import polars as pl
import pytest

from diagnosis.bench.profile_data import generate
from diagnosis.datacheck import counting, limits, ranks, timeline
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.feasibility import load_rows
from diagnosis.datacheck.jobs import JobBudget, run_isolated
from diagnosis.datacheck.profile import profile_file
from onestop.sandbox import Limits, run_limited
from tests import datacheck_files as files

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SKETCH_BOUND = 0.03  # 3.7 standard errors of a 2^14-register HyperLogLog (0.81 %)


def rng():
    return np.random.default_rng(19)


def write_csv(path, columns):
    pl.DataFrame(columns).write_csv(path)
    return path


def profiled(path, tmp_path):
    profile = profile_file(path, tmp_path / "work")
    return profile, {column["name"]: column for column in profile["columns"]}


def reference_quantiles(values):
    """Quantiles as the profile always computed them: sort, then interpolate linearly."""
    ordered = np.sort(values)
    out = {}
    for q in QUANTILES:
        spot = q * (len(ordered) - 1)
        low, high = ordered[math.floor(spot)], ordered[math.ceil(spot)]
        out[q] = float(low + (high - low) * (spot - math.floor(spot)))
    return out


KNOWN_DISTINCT = {
    "a shuffled range of integers": lambda: rng().permutation(400_000),
    "normal floats, each one distinct": lambda: rng().normal(50, 7, 300_000),
    "skewed: a Zipf sample, most values repeated": lambda: rng().zipf(1.2, 600_000),
    "uniform integers with repeats": lambda: rng().integers(0, 250_000, 500_000),
    "serial numbers, each twice": lambda: np.array([f"SN-{i:07d}" for i in range(150_000)] * 2),
    "timestamps a second apart": lambda: np.arange(
        np.datetime64("2025-01-01T00:00:00"), np.datetime64("2025-01-05T12:00:00")
    ).astype("datetime64[us]"),
}


@pytest.mark.parametrize("make", KNOWN_DISTINCT.values(), ids=KNOWN_DISTINCT.keys())
def test_the_distinct_count_sketch_is_within_three_percent(make):
    values = make()
    known = len(np.unique(values))
    estimate = counting.distinct_estimate(pl.DataFrame({"c": values}).lazy(), "c")
    assert abs(estimate - known) <= SKETCH_BOUND * known, (estimate, known)


def test_distinct_counts_up_to_the_exact_limit_are_exact(tmp_path):
    values = rng().integers(0, 5_000, 60_000)
    path = write_csv(
        tmp_path / "d.csv",
        {
            "pair": values % 2 + 1,
            "grade": [f"G{v % 50}" for v in values],
            "reading": values / 8,
        },
    )
    _profile, columns = profiled(path, tmp_path)
    assert columns["pair"]["distinct"] == 2
    assert columns["grade"]["distinct"] == 50
    assert columns["reading"]["distinct"] == len(np.unique(values))


DISTRIBUTIONS = {
    "uniform": lambda: rng().uniform(-5, 5, 200_000),
    "normal": lambda: rng().normal(100, 15, 200_000),
    # A long right tail and one enormous reading: nearly everything lands in the first slice.
    "skewed, with an outlier of 1e12": lambda: np.append(rng().lognormal(0, 2, 200_000), 1e12),
    "60 % zeros": lambda: np.where(rng().random(200_000) < 0.6, 0.0, rng().normal(5, 1, 200_000)),
}


@pytest.mark.parametrize("make", DISTRIBUTIONS.values(), ids=DISTRIBUTIONS.keys())
def test_bucketed_quantiles_histograms_and_outliers_are_exact(monkeypatch, make):
    # Slices of at most 500 values are read whole; fuller ones are sliced again.
    monkeypatch.setattr(ranks, "COLLECT_AT_ONCE", 500)
    values = make()
    frame = pl.DataFrame({"x": values})
    low, high = float(values.min()), float(values.max())
    quantiles, bins, outliers = ranks.number_distribution(
        frame.lazy(),
        "x",
        present=len(values),
        low=low,
        high=high,
        counts=None,
        quantiles=QUANTILES,
    )
    assert outliers is None  # counted by the caller once the quartiles are known
    assert quantiles == reference_quantiles(values)
    whole = frame.select(ranks.display_bin(low, high).alias("d")).to_series().value_counts()
    assert bins == dict(whole.iter_rows())
    counted = frame.select(ranks.outlier_expr("x", quantiles[0.25], quantiles[0.75])).item()
    q1, q3 = np.quantile(values, [0.25, 0.75])
    beyond = ((values < q1 - 1.5 * (q3 - q1)) | (values > q3 + 1.5 * (q3 - q1))).sum()
    assert counted == beyond


def test_a_file_profiled_past_the_exact_limits_gives_the_same_numbers(tmp_path, monkeypatch):
    """Above the limits a column is bucketed, its distinct values sketched, its commonest
    values found by Misra–Gries and counted again, duplicates counted a slice of hashes at a
    time: every number but the sketched distinct counts stays what the exact path gives."""
    generator = rng()
    rows = 40_000
    heavy = generator.choice(["A", "B", "C"], size=rows, p=[0.5, 0.3, 0.2])
    codes = np.where(generator.random(rows) < 0.4, heavy, [f"U{i}" for i in range(rows)])
    columns = {
        "reading": generator.normal(20, 4, rows).round(4),
        "code": codes,
        "count": generator.integers(0, 30, rows),
    }
    path = write_csv(tmp_path / "f.csv", columns)
    with open(path, newline="") as source:
        repeated = list(csv.reader(source))[1:26]
    with open(path, "a", newline="") as out:
        csv.writer(out).writerows(repeated)
    exact, exact_columns = profiled(path, tmp_path / "exact")
    monkeypatch.setattr(counting, "EXACT_DISTINCT", 10)
    monkeypatch.setattr(counting, "CHUNK_ROWS", 3_000)
    monkeypatch.setattr(counting, "FREQUENT_COUNTERS", 40)
    monkeypatch.setattr(counting, "HASHES_AT_ONCE", 7_000)
    monkeypatch.setattr(ranks, "COLLECT_AT_ONCE", 100)
    sketched, sketched_columns = profiled(path, tmp_path / "sketched")
    assert sketched["duplicate_rows"] == exact["duplicate_rows"]
    assert exact["duplicate_rows"] >= 25  # the repeated rows, and any the draw repeated
    reading, bucketed = exact_columns["reading"], sketched_columns["reading"]
    for key in ("quantiles", "histogram", "outliers", "min", "max", "zeros"):
        assert bucketed[key] == reading[key], key
    assert abs(bucketed["distinct"] - reading["distinct"]) <= SKETCH_BOUND * reading["distinct"]
    assert sketched_columns["code"]["top"][:3] == exact_columns["code"]["top"][:3]
    assert [t["value"] for t in sketched_columns["code"]["top"][:3]] == ["A", "B", "C"]


def test_timestamps_out_of_order_are_sorted_a_range_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(timeline, "SORT_AT_ONCE", 97)
    ordered = files.regular_series_csv(tmp_path / "ordered.csv")
    lines = ordered.read_text().splitlines()
    body = lines[1:]
    np.random.default_rng(3).shuffle(body)
    shuffled = files.write(tmp_path / "shuffled.csv", "\n".join([lines[0], *body]) + "\n")
    _p, in_order = profiled(ordered, tmp_path / "a")
    _p, out_of_order = profiled(shuffled, tmp_path / "b")
    stamp = out_of_order["timestamp"]
    assert stamp["median_interval_seconds"] == 60
    assert stamp["gap_count"] == 1
    assert stamp["gaps"][0]["seconds"] == 121 * 60
    for key in ("start", "end", "regular_share", "repeated_timestamps", "gaps", "span_days"):
        assert stamp[key] == in_order["timestamp"][key], key
    assert not list((tmp_path / "b" / "work").glob(".sorted-*"))  # the sorted ranges are gone


def reference_long_line(data, limit):
    for number, line in enumerate(data.split(b"\n"), start=1):
        if len(line) > limit:
            return number
    return None


@pytest.mark.parametrize("seed", range(6))
def test_the_line_check_finds_the_first_long_line_across_chunks(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(limits, "SCAN_CHUNK", 64)
    generator = np.random.default_rng(seed)
    lengths = generator.integers(0, 120, 60)
    data = b"\n".join(b"x" * int(n) for n in lengths) + b"\n" * int(generator.integers(0, 2))
    path = files.write(tmp_path / "lines.csv", data)
    expected = reference_long_line(data, 100)
    if expected is None:
        limits.check_lines(path, limits.TableLimits(max_line_bytes=100))
        return
    with pytest.raises(UnreadableFile) as caught:
        limits.check_lines(path, limits.TableLimits(max_line_bytes=100))
    assert caught.value.params["line"] == f"{expected:,}"


def test_the_study_reads_the_most_recent_rows_and_samples_without_time(tmp_path):
    rows = 5_000
    order = rng().permutation(rows)
    start = dt.datetime(2025, 1, 1)
    frame = pl.DataFrame(
        {
            "t": [start + dt.timedelta(minutes=int(i)) for i in order],
            "v": order.astype(float),
        }
    ).with_columns(pl.when(pl.col("v") < 10).then(None).otherwise(pl.col("t")).alias("t"))
    path = tmp_path / "n.parquet"
    frame.write_parquet(path)
    recent = load_rows(path, [], {"name": "t"}, 1_000, 0)
    assert recent.height == 1_000
    timed = recent.get_column("t").drop_nulls()
    assert timed.is_sorted()
    assert timed.len() == 990
    assert recent.get_column("t").null_count() == 10  # the undated rows, last
    assert timed.min() == start + dt.timedelta(minutes=rows - 990)
    sample = load_rows(path, [], None, 1_000, 0)
    assert sample.height == sample.unique().height == 1_000
    assert sample.equals(load_rows(path, [], None, 1_000, 0))
    assert not sample.equals(load_rows(path, [], None, 1_000, 1))


def test_a_file_too_big_to_load_whole_under_the_budget_is_profiled_within_it(tmp_path):
    """900 MB of address space, of which about 500 MB go to the interpreter, Django and polars
    and 152 MB to mapping the file: reading this 1,000,000-row file whole, in the same kind of
    process with polars' defaults, is stopped for memory (it needs about 1 GB); the profile
    streams it and finishes (it needs about 750 MB: the mapped file and a working set that
    does not grow with the rows)."""
    path = generate(tmp_path / "big.csv", 1_000_000)
    budget = JobBudget(memory_bytes=900 * 1024**2, cpu_seconds=120, wall_seconds=120)
    plain = {k: v for k, v in os.environ.items() if not k.startswith("POLARS_")}
    whole = run_limited(
        [
            sys.executable,
            "-c",
            "import sys, django; django.setup(); import polars as pl; "
            "pl.read_csv(sys.argv[1], infer_schema=False)",
            str(path),
        ],
        Limits(memory_bytes=budget.memory_bytes, cpu_seconds=60, wall_seconds=60),
        env={**plain, "MALLOC_ARENA_MAX": "2", "OPENBLAS_NUM_THREADS": "1"},
    )
    assert whole.stopped == "memory"
    result = run_isolated(
        "profile",
        {
            "source": str(path),
            "folder": str(tmp_path / "work"),
            "sheet": "",
            "archive_limits": {},
            "table_limits": {},
        },
        budget=budget,
        language="en",
    )
    profile = result["profile"]
    assert profile["rows"] == 1_000_000
    assert len(profile["columns"]) == 20
    stamp = next(c for c in profile["columns"] if c["name"] == "timestamp")
    assert stamp["gap_count"] == 5  # the generator's five outages


def test_the_larger_benchmark_file_starts_with_the_smaller_one(tmp_path, monkeypatch):
    from diagnosis.bench import profile_data

    monkeypatch.setattr(profile_data, "CHUNK_ROWS", 1_000)
    small = generate(tmp_path / "small.csv", 1_000).read_text().splitlines()
    large = generate(tmp_path / "large.csv", 2_500).read_text().splitlines()
    assert len(large) == 2_501
    assert large[: len(small)] == small
    stamps = [line.split(",")[0] for line in large[1:]]
    assert stamps == sorted(stamps)  # the clock runs on across chunks


def test_fractional_seconds_after_the_sample_are_still_read(tmp_path):
    """The sample had whole seconds only, so the file is read with the fixed format first; the
    readings with fractions further down are read by the full one."""
    from diagnosis.datacheck.profile import INFERENCE_ROWS

    start = dt.datetime(2025, 1, 1)
    stamps = [start + dt.timedelta(seconds=i) for i in range(INFERENCE_ROWS + 100)]
    text = [f"{s:%Y-%m-%d %H:%M:%S}" for s in stamps[:INFERENCE_ROWS]]
    text += [f"{s:%Y-%m-%d %H:%M:%S}.5" for s in stamps[INFERENCE_ROWS:]]
    path = write_csv(tmp_path / "t.csv", {"t": text, "v": range(len(text))})
    _profile, columns = profiled(path, tmp_path)
    assert columns["t"]["kind"] == "datetime"
    assert columns["t"]["missing"] == 0
    assert columns["t"]["end"] == f"{stamps[-1]:%Y-%m-%d %H:%M:%S}.500000"
