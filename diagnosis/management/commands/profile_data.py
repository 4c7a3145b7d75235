"""Profile a file from the command line, as the portal would: for consultants on site, and for
scripts. Bad files exit non-zero with the portal's message."""

import tempfile

from django.core.management.base import BaseCommand

from diagnosis.datacheck.cli import command_errors, profile_for_command, write_summary
from diagnosis.datacheck.feasibility import run_study
from diagnosis.datacheck.profile import NORMALISED_NAME
from diagnosis.datacheck.readiness import readiness


class Command(BaseCommand):
    help = "Profile a data file (CSV, XLSX, Parquet); with --target, run the feasibility study."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--target", help="the column a model should predict")
        parser.add_argument(
            "--exclude", action="append", default=[], help="a column to leave out (repeatable)"
        )
        parser.add_argument(
            "--sheet", default="", help="the Excel sheet to read (default: the first)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")

    def handle(self, *args, **options):
        with (
            tempfile.TemporaryDirectory(prefix="onestop-profile-") as workdir,
            command_errors(options["file"]),
        ):
            profile = profile_for_command(options["file"], workdir, options["sheet"])
            target = options["target"]
            score = readiness(profile, target)
            study = None
            if target:
                study, _onnx = run_study(
                    f"{workdir}/{NORMALISED_NAME}",
                    profile,
                    target=target,
                    exclude=set(options["exclude"]),
                )
        write_summary(self.stdout, summarise(profile, score, study), options["json"], text_summary)


def summarise(profile, score, study):
    fmt = profile["format"]
    out = {
        "format": fmt["kind"],
        "encoding": fmt["encoding"] if fmt["kind"] == "csv" else None,
        "delimiter": fmt["delimiter"] if fmt["kind"] == "csv" else None,
        "decimal": fmt["decimal"] if fmt["kind"] == "csv" else None,
        "sheet": fmt["sheet"] or None,
        "rows": profile["rows"],
        "columns": [
            {"name": c["name"], "type": c["kind"], "missing": c["missing"]}
            for c in profile["columns"]
        ],
        "duplicates": profile["duplicate_rows"],
        "warnings": fmt["notes"] + profile["warnings"],
        "readiness_score": score["score"],
        "readiness": score["components"],
        "profile": profile,
    }
    if study is not None:
        out["feasibility"] = study
    return out


def text_summary(summary):
    lines = [
        f"{summary['format']}: {summary['rows']:,} rows x {len(summary['columns'])} columns, "
        f"{summary['duplicates']:,} duplicate rows; data readiness {summary['readiness_score']}/100"
    ]
    lines += [f"  {c['name']}: {c['type']}, {c['missing']:,} missing" for c in summary["columns"]]
    lines += [f"! {w}" for w in summary["warnings"]]
    study = summary.get("feasibility")
    if study:
        best = study["scores"][study["best"]]
        lines.append(f"feasibility ({study['task']}): best {study['best']} {best}")
        lines += [f"  leak: {leak['column']}: {leak['reason']}" for leak in study["leaks"]]
    return "\n".join(lines)
