"""Profiling speed and memory on a 1,000,000 × 20 CSV: OneStop's profiler against a plain
pandas profile and ydata-profiling in minimal mode, each in its own process, measured in the
same run on the same file.

The peers live in their own virtual environment under var/bench/ (created on first use), so
their version pins never touch the product's. Seconds are from file to finished profile
(reading included, interpreter start excluded); peak memory is the process's maximum resident
set size, imports included."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from django.conf import settings

from diagnosis.bench.profile_data import ROWS, generate

PEERS = ["ydata-profiling==4.18.4", "pandas", "setuptools"]
TIMEOUT = 3600

MEASURE = """
import json, resource, sys, time
started = time.perf_counter()
{work}
print(json.dumps({{
    "seconds": time.perf_counter() - started,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "version": version,
}}))
"""

ONESTOP = """
import os, tempfile
import django
django.setup()
import polars
from diagnosis.datacheck.profile import profile_file
from diagnosis.datacheck.readiness import readiness
with tempfile.TemporaryDirectory() as work:
    profile = profile_file(sys.argv[1], work)
    readiness(profile)
assert profile["rows"] == {rows}
version = "polars " + polars.__version__
"""

PANDAS = """
import numpy as np
import pandas as pd
frame = pd.read_csv(sys.argv[1], parse_dates=["timestamp"])
numbers = frame.select_dtypes("number")
profile = {{
    "missing": frame.isna().sum().to_dict(),
    "distinct": frame.nunique().to_dict(),
    "describe": numbers.describe(percentiles=[0.05, 0.25, 0.5, 0.75, 0.95]).to_dict(),
    "histograms": {{c: np.histogram(numbers[c].dropna(), bins=20)[0] for c in numbers}},
    "top": {{c: frame[c].value_counts().head(10) for c in frame.select_dtypes(exclude="number")}},
    "duplicates": int(frame.duplicated().sum()),
    "interval": frame["timestamp"].sort_values().diff().median(),
}}
assert len(frame) == {rows}
version = "pandas " + pd.__version__
"""

YDATA = """
import logging, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import pandas as pd
import ydata_profiling
frame = pd.read_csv(sys.argv[1], parse_dates=["timestamp"])
report = ydata_profiling.ProfileReport(frame, minimal=True, progress_bar=False)
report.to_json()
assert len(frame) == {rows}
version = "ydata-profiling " + ydata_profiling.__version__
"""


def peer_python():
    venv = Path(settings.VAR_DIR) / "bench" / "peers-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if not stamp.exists() or stamp.read_text() != " ".join(PEERS):
        print(f"installing the peers into {venv} (first run only): {', '.join(PEERS)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEERS], check=True)
        stamp.write_text(" ".join(PEERS))
    return python


def measure(python, work, data):
    code = textwrap.dedent(MEASURE).format(work=textwrap.dedent(work).format(rows=ROWS))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onestop.settings"}
    done = subprocess.run(
        [str(python), "-c", code, str(data)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=settings.BASE_DIR,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{python} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run():
    folder = Path(settings.VAR_DIR) / "bench" / "profile"
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"data-{ROWS}.csv"
    if not data.exists():
        print(f"generating {data} ({ROWS:,} rows × 20 columns)", flush=True)
        generate(data)
    peers = peer_python()
    results = {
        "OneStop (this product)": measure(sys.executable, ONESTOP, data),
        "peer: plain pandas profile": measure(peers, PANDAS, data),
        "peer: ydata-profiling, minimal": measure(peers, YDATA, data),
    }
    ours = results["OneStop (this product)"]
    pandas = results["peer: plain pandas profile"]
    faster = all(ours["seconds"] < r["seconds"] for k, r in results.items() if r is not ours)
    leaner = ours["peak_mb"] < pandas["peak_mb"]
    rows = [
        {
            "profiler": name,
            "version": r["version"],
            "seconds": r["seconds"],
            "peak MB": r["peak_mb"],
            "rows/s": ROWS / r["seconds"],
            "vs OneStop": f"{r['seconds'] / ours['seconds']:.1f}× the time",
        }
        for name, r in results.items()
    ]
    return {
        "title": f"Profiling a {data.stat().st_size / 1e6:,.0f} MB CSV, {ROWS:,} rows × 20 columns",
        "columns": ["profiler", "version", "seconds", "peak MB", "rows/s", "vs OneStop"],
        "rows": rows,
        "file": str(data),
        "cpus": os.cpu_count(),
        "target_met": faster and leaner,
        "notes": [
            f"target (faster than both peers, peak memory below pandas): "
            f"{'met' if faster and leaner else 'NOT met'}",
            "OneStop's figure includes typing every column, a typed Parquet copy for later "
            "studies, quantiles, histograms, outliers, duplicates, time gaps and the readiness "
            "score.",
        ],
    }
