import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path


def print_table(result):
    columns = result["columns"]
    rows = [[_fmt(row.get(c, "")) for c in columns] for row in result["rows"]]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    print(result["title"])
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
    for note in result.get("notes", []):
        print(f"note: {note}")


def _fmt(value):
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    return str(value)


BENCH_PACKAGES = ("onestop.bench", "diagnosis.bench", "deployment.bench")


def _find(name):
    """Each app keeps its benchmarks in its own ``bench`` package."""
    for package in BENCH_PACKAGES:
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name not in (package, f"{package}.{name}"):
                raise
    raise SystemExit(f"no benchmark named {name!r} in {', '.join(BENCH_PACKAGES)}")


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python -m onestop.bench NAME")
    name = argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    import django

    django.setup()
    from django.conf import settings

    module = _find(name)
    result = module.run()
    result["benchmark"] = name
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    print_table(result)
    out = Path(settings.VAR_DIR) / "bench" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main(sys.argv)
