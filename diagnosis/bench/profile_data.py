"""The benchmark's data: 1,000,000 and 10,000,000 rows × 20 columns, shaped like a plant
historian export — one timestamp (one reading a second, with a few outages), one production-line
category, a 3 % failure label and 17 sensor readings, some missing.

A file is written a million rows at a time (generating 10,000,000 rows whole would hold
gigabytes), chunk i from seed + i, the clock running on across chunks: the larger file starts
with the smaller one's rows. It is written under a temporary name and renamed when complete, so
an interrupted run never leaves a short file that a later run would take for the whole one."""

from pathlib import Path

import numpy as np
import polars as pl

ROWS = 1_000_000
SIZES = (1_000_000, 10_000_000)
CHUNK_ROWS = 1_000_000
SENSORS = 17
LABEL_SHARE = 0.03
START = np.datetime64("2025-01-01T00:00:00")


def data_path(folder, rows):
    return Path(folder) / f"data-{rows}.csv"


def generate(path, rows=ROWS, seed=0):
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    first_second = 0
    with open(partial, "wb") as out:
        for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
            frame, first_second = chunk(min(CHUNK_ROWS, rows - start), seed + index, first_second)
            frame.write_csv(out, include_header=index == 0)
    partial.replace(path)
    return path


def chunk(rows, seed, first_second):
    """One chunk's rows, and the second its successor's clock starts at."""
    rng = np.random.default_rng(seed)
    seconds = np.arange(first_second, first_second + rows, dtype=np.int64)
    for start in rng.integers(0, rows, size=5):  # outages: the clock jumps forward
        seconds[start:] += int(rng.integers(600, 7200))
    columns = {
        "timestamp": np.datetime_as_string(START + seconds.astype("timedelta64[s]"), unit="s"),
        "line": rng.choice(
            ["L1", "L2", "L3", "L4", "L5"], size=rows, p=[0.3, 0.25, 0.2, 0.15, 0.1]
        ),
    }
    for i in range(SENSORS):
        values = rng.normal(50 + 10 * i, 1 + i, size=rows).round(3)
        values[rng.random(rows) < 0.01 * (i % 4)] = np.nan  # some sensors drop readings
        columns[f"sensor_{i + 1:02d}"] = values
    columns["failure"] = (rng.random(rows) < LABEL_SHARE).astype(np.int8)
    frame = pl.DataFrame(columns).with_columns(
        pl.col("timestamp").str.replace("T", " ", literal=True),
        pl.selectors.float().fill_nan(None),
    )
    return frame, int(seconds[-1]) + 1
