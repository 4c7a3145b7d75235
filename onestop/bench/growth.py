"""How cost grows with the work: ``python -m onestop.bench growth`` (``make bench-growth``,
the last step of ``make bench``) reads every ``var/bench/<name>.json`` that carries a ``sizes``
list and prints, for each step between two sizes, the growth of time and of peak memory per
tenfold of work: ``(t2 / t1) ** (1 / log10(w2 / w1))``. 10 means linear, 1 means flat, more
than 10 means worse than linear.

A benchmark records each size as
``{"work": int, "unit": str, "time_s": float, "peak_mb": float | None, ...}`` (``size()``).
"""

import itertools
import json
import math
from pathlib import Path

from django.conf import settings

LINEAR = 10.0


def size(*, work, unit, time_s, peak_mb=None, **extra):
    """One entry of a benchmark's ``sizes`` list."""
    return {
        "work": int(work),
        "unit": unit,
        "time_s": round(float(time_s), 4),
        "peak_mb": None if peak_mb is None else round(float(peak_mb), 1),
        **extra,
    }


def per_tenfold(before, after, work_before, work_after):
    """The factor by which ``before`` grows to ``after`` for each tenfold of the work, or None
    where either figure is missing or the work did not grow."""
    if not before or after is None or work_after <= work_before:
        return None
    return (after / before) ** (1 / math.log10(work_after / work_before))


def growth_rows(results):
    """{benchmark: figures} → one row per step between consecutive sizes."""
    rows = []
    for name, result in sorted(results.items()):
        sizes = sorted(result.get("sizes") or [], key=lambda s: s["work"])
        for small, large in itertools.pairwise(sizes):
            time_factor = per_tenfold(
                small["time_s"], large["time_s"], small["work"], large["work"]
            )
            memory_factor = per_tenfold(
                small.get("peak_mb"), large.get("peak_mb"), small["work"], large["work"]
            )
            rows.append(
                {
                    "benchmark": name,
                    "work": f"{small['work']:,} → {large['work']:,} {large['unit']}",
                    "time s": f"{small['time_s']:.3g} → {large['time_s']:.3g}",
                    "time ×/10× work": _factor(time_factor),
                    "peak MB": _memory(small, large),
                    "memory ×/10× work": _factor(memory_factor),
                    "time grows": _verdict(time_factor),
                }
            )
    return rows


def _factor(value):
    return "–" if value is None else f"{value:.2f}"


def _memory(small, large):
    if small.get("peak_mb") is None or large.get("peak_mb") is None:
        return "not measured"
    return f"{small['peak_mb']:,.1f} → {large['peak_mb']:,.1f}"


def _verdict(factor):
    if factor is None:
        return ""
    if factor <= 1.5:
        return "flat"
    # A tenth over linear is within what a shared machine's noise does to two timings.
    return "linear or better" if factor <= LINEAR * 1.1 else "worse than linear"


def read_results(folder):
    results = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            figures = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(figures, dict) and figures.get("sizes"):
            results[path.stem] = figures
    return results


def run():
    folder = Path(settings.VAR_DIR) / "bench"
    results = read_results(folder)
    rows = growth_rows(results)
    missing = sorted(
        {"diagnosis", "matching", "allocation", "profile"} - set(results),
    )
    notes = [
        "growth per tenfold of work: (t2 ÷ t1) ^ (1 ÷ log10(w2 ÷ w1)); 10 = linear, 1 = flat",
        "memory is each benchmark's own measure of peak memory (see its notes)",
    ]
    if missing:
        notes.append(
            "no sizes recorded yet for: " + ", ".join(missing) + " (run make bench-<name> first)"
        )
    return {
        "title": "Growth: time and memory per tenfold of work, from var/bench/*.json",
        "columns": [
            "benchmark",
            "work",
            "time s",
            "time ×/10× work",
            "peak MB",
            "memory ×/10× work",
            "time grows",
        ],
        "rows": rows or [{"benchmark": "(no benchmark has recorded sizes)"}],
        "notes": notes,
    }
