"""Replay an alloc-trace/1 file through the allocation engine and print alloc-result/1."""

import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand

from deployment.allocation.simulate import simulate
from deployment.allocation.trace import TraceError, load


class Command(BaseCommand):
    help = (
        "Simulate a trace (alloc-trace/1) under the static or borrow policy; prints alloc-result/1."
    )

    def add_arguments(self, parser):
        parser.add_argument("trace")
        parser.add_argument("--policy", choices=["static", "borrow"], default="borrow")
        parser.add_argument(
            "--json", action="store_true", help="print the result as JSON (the default)"
        )

    def handle(self, *args, **options):
        path = Path(options["trace"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self.stderr.write(f"invalid trace: cannot read {path}: {exc.strerror}")
            sys.exit(2)
        try:
            trace = load(raw)
        except TraceError as exc:
            self.stderr.write(f"invalid trace: {exc}")
            sys.exit(2)
        started = time.perf_counter()
        result = simulate(trace, options["policy"], file_name=path.name)
        self.stderr.write(
            f"simulated {trace.horizon_hours:,} hours in {time.perf_counter() - started:.2f} s"
        )
        self.stdout.write(json.dumps(result, indent=2, sort_keys=True))
