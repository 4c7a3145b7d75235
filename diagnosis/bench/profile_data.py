"""The benchmark's data: 1,000,000 rows × 20 columns, shaped like a plant historian export —
one timestamp (one reading a second, with a few outages), one production-line category, a 3 %
failure label and 17 sensor readings, some missing."""

import numpy as np
import polars as pl

ROWS = 1_000_000
SENSORS = 17
LABEL_SHARE = 0.03


def generate(path, rows=ROWS, seed=0):
    rng = np.random.default_rng(seed)
    seconds = np.arange(rows, dtype=np.int64)
    for start in rng.integers(0, rows, size=5):  # outages: the clock jumps forward
        seconds[start:] += int(rng.integers(600, 7200))
    start = np.datetime64("2025-01-01T00:00:00")
    columns = {
        "timestamp": np.datetime_as_string(start + seconds.astype("timedelta64[s]"), unit="s"),
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
    frame.write_csv(path)
    return path
