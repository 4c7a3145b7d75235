"""Validate an ONNX file exactly as the catalog does, in the same sandbox."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deployment.services.catalog import sandbox_limits
from deployment.validation.sandbox import validate_file

SHOWN = (
    "accepted",
    "reason",
    "signature",
    "flavors",
    "latency_ms",
    "opsets",
    "ir_version",
    "sha256",
    "size",
)


class Command(BaseCommand):
    help = "Validate an ONNX model in the sandbox; exits with status 1 when it is rejected."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        report = validate_file(path, sandbox_limits())
        shown = {
            key: report.get(key)
            for key in SHOWN
            if key in report or key in ("signature", "flavors", "latency_ms")
        }
        if options["json"]:
            self.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2))
        elif report["accepted"]:
            fits = ", ".join(f["flavor"] for f in report["flavors"] if f["fits"])
            self.stdout.write(f"accepted: fits {fits}; latency {report['latency_ms']} ms")
        else:
            self.stdout.write(f"rejected: {report['reason']}")
        if not report["accepted"]:
            sys.exit(1)
