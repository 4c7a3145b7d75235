"""Train a model on a data file from the command line, as a training job does on the local
machine: the file read and profiled as the data check reads it, leaking columns left out, the
chosen family cross-validated against guessing (time-aware when the data has time), refitted,
and exported twice, each form checked against the trained model on held-out rows:

- ``model.onnx``, the CPU form (skl2onnx, with the ``ai.onnx.ml`` tree operators);
- ``model-npu.onnx``, the NPU-ready form (standard operators only, opset 13, batch sizes
  recorded), which the Rebellions and FuriosaAI flavors take.

Each form is then validated as the catalog validates an upload, and its flavors listed."""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from deployment.services.catalog import sandbox_limits
from deployment.validation.sandbox import validate_file
from diagnosis.datacheck.cli import command_errors, profile_for_command, write_summary
from diagnosis.datacheck.feasibility import run_study
from diagnosis.datacheck.profile import NORMALISED_NAME

FAMILIES = ("trees", "forest", "mlp")


class Command(BaseCommand):
    help = "Train a model on a data file and export it for CPU and for NPUs (ONNX)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--target", required=True, help="the column the model predicts")
        parser.add_argument(
            "--exclude", action="append", default=[], help="a column to leave out (repeatable)"
        )
        parser.add_argument("--family", choices=FAMILIES, default="trees")
        parser.add_argument("--out", required=True, help="the folder the models are written to")
        parser.add_argument("--sheet", default="", help="the Excel sheet to read")
        parser.add_argument("--max-rows", type=int, default=100_000)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        cpu_path, npu_path = out / "model.onnx", out / "model-npu.onnx"
        for stale in (cpu_path, npu_path):  # never an earlier run's model next to this one's
            stale.unlink(missing_ok=True)
        with (
            tempfile.TemporaryDirectory(prefix="onestop-train-") as workdir,
            command_errors(options["file"]),
        ):
            profile = profile_for_command(options["file"], workdir, options["sheet"])
            study, onnx_bytes = run_study(
                f"{workdir}/{NORMALISED_NAME}",
                profile,
                target=options["target"],
                exclude=set(options["exclude"]),
                max_rows=options["max_rows"],
                model_family=options["family"],
                npu_model_out=npu_path,
            )
        cpu_path.write_bytes(onnx_bytes)
        summary = summarise(study, cpu_path, npu_path)
        write_summary(self.stdout, summary, options["json"], text_summary)


def summarise(study, cpu_path, npu_path):
    model = study["model"]
    forms = [("cpu", cpu_path, model["onnx_check"])]
    if npu_path.exists():
        forms.append(("npu-ready", npu_path, model["npu_check"]))
    models = []
    for form, path, check in forms:
        report = validate_file(path, sandbox_limits())
        models.append(
            {
                "path": str(path),
                "form": form,
                "flavors": [f["flavor"] for f in report.get("flavors", []) if f["fits"]],
                "max_abs_diff": check["max_abs_difference"],
                "label_agreement": check["label_agreement"],
                "matches": check["matches"],
            }
        )
    return {
        "task": study["task"],
        "target": study["target"],
        "family": study["best"],
        "metrics": study["scores"][study["best"]],
        "dummy": study["scores"]["dummy"],
        "primary_metric": study["metric"],
        "excluded": study["excluded"],
        "leaks": study["leaks"],
        "npu_form": model["npu_check"] if not npu_path.exists() else {"converted": True},
        "models": models,
    }


def text_summary(summary):
    lines = [
        f"{summary['family']} for {summary['target']} ({summary['task']}): "
        f"{summary['primary_metric']} {summary['metrics'][summary['primary_metric']]} "
        f"(guessing: {summary['dummy'][summary['primary_metric']]})"
    ]
    lines += [f"  left out: {leak['column']}: {leak['reason']}" for leak in summary["leaks"]]
    for model in summary["models"]:
        lines.append(
            f"{model['form']}: {model['path']} (flavors: {', '.join(model['flavors'])}; "
            f"largest difference from the trained model {model['max_abs_diff']:.2e})"
        )
    if not summary["npu_form"].get("converted"):
        lines.append(f"no NPU-ready form: {summary['npu_form'].get('reason')}")
    return "\n".join(lines)
