"""`make bench` ends with the growth of time and memory per tenfold of work, read from the
sizes each benchmark records."""

import json

import pytest

from onestop.bench.__main__ import main
from onestop.bench.growth import growth_rows, per_tenfold, size


def test_growth_per_tenfold_is_ten_for_linear_and_one_for_flat():
    assert per_tenfold(2.0, 20.0, 1_000, 10_000) == pytest.approx(10)
    assert per_tenfold(50.0, 50.0, 1_000, 10_000) == pytest.approx(1)
    # Two tenfolds: 100 × the time is still linear, 10 × per tenfold.
    assert per_tenfold(1.0, 100.0, 10, 1_000) == pytest.approx(10)
    # Three times the work for nine times the time: quadratic, 100 × per tenfold.
    assert per_tenfold(1.0, 9.0, 100, 300) == pytest.approx(100)
    assert per_tenfold(None, 5.0, 1, 10) is None


def test_each_step_between_sizes_is_a_row_with_its_verdict():
    results = {
        "matching": {
            "sizes": [
                size(work=100_000, unit="versions", time_s=0.9, peak_mb=40),
                size(work=10_000, unit="versions", time_s=0.1, peak_mb=40),
            ]
        },
        "allocation": {
            "sizes": [
                size(work=1, unit="years", time_s=1.0),
                size(work=10, unit="years", time_s=40.0),
            ]
        },
    }
    rows = {row["benchmark"]: row for row in growth_rows(results)}
    assert rows["matching"]["work"] == "10,000 → 100,000 versions"
    assert rows["matching"]["time ×/10× work"] == "9.00"
    assert rows["matching"]["time grows"] == "linear or better"
    assert rows["matching"]["memory ×/10× work"] == "1.00"
    assert rows["allocation"]["time grows"] == "worse than linear"
    assert rows["allocation"]["peak MB"] == "not measured"


def test_the_growth_step_reads_var_bench_and_prints_the_table(tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "bench"
    folder.mkdir()
    sizes = [
        size(work=100_000, unit="assessments", time_s=0.02, peak_mb=1.5),
        size(work=1_000_000, unit="assessments", time_s=0.025, peak_mb=1.5),
    ]
    (folder / "diagnosis.json").write_text(json.dumps({"sizes": sizes}))
    (folder / "apikey.json").write_text(json.dumps({"rows": []}))  # no sizes: left out
    main(["onestop.bench", "growth"])
    printed = capsys.readouterr().out
    assert "100,000 → 1,000,000 assessments" in printed
    assert "flat" in printed
    assert "apikey" not in printed
    written = json.loads((folder / "growth.json").read_text())
    assert [row["benchmark"] for row in written["rows"]] == ["diagnosis"]


def test_a_measured_child_reports_its_own_peak_memory_not_its_large_parents():
    """The profile benchmark measures each profiler in a child started right after it generated
    a 1.5 GB file: the child's peak must be its own."""
    import inspect
    import resource
    import subprocess
    import sys

    from onestop.bench.memory import peak_mb

    held = bytearray(400 * 1024**2)
    held[::4096] = b"\1" * len(held[::4096])  # touched, so resident
    child = inspect.getsource(peak_mb) + "\nimport resource\nprint(peak_mb())"
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    del held
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 >= 400
    assert float(done.stdout) < 100  # a bare interpreter, not the 400 MB this process held
