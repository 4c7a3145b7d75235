"""Untrusted ONNX files are validated in a separate, limited process: hostile ones are rejected
with a reason, and the process that asked (this test process) carries on."""

import io
import json

import pytest
from django.core.management import call_command

from deployment.validation.sandbox import SandboxLimits, validate_file
from tests import onnx_files as files

SMALL = SandboxLimits(memory_bytes=2 * 1024**3, cpu_seconds=3, wall_seconds=20)


def test_a_good_model_is_accepted_with_its_signature_latency_and_flavors(tmp_path):
    report = validate_file(files.good(tmp_path / "good.onnx"))
    assert report["accepted"], report
    assert report["signature"]["inputs"] == [
        {"name": "x", "type": "tensor(float)", "shape": [None, 4]}
    ]
    assert report["signature"]["outputs"][0]["name"] == "y"
    assert report["opsets"] == {"": 13}
    assert 0 < report["latency_ms"]["batch_1"] < 1000
    assert 0 < report["latency_ms"]["batch_32"] < 1000
    fits = {f["flavor"]: f["fits"] for f in report["flavors"]}
    assert fits == {
        "nvidia-h200": True,
        "nvidia-a100": True,
        "rbln-atom": True,
        "furiosa-rngd": True,
        "cpu": True,
    }
    assert len(report["sha256"]) == 64


def test_flavor_rules_follow_the_compilers(tmp_path):
    report = validate_file(files.good(tmp_path / "opset17.onnx", opset=17))
    notes = {f["flavor"]: f for f in report["flavors"]}
    assert not notes["furiosa-rngd"]["fits"]
    assert notes["furiosa-rngd"]["why"] == "opset 17 is above the 13 this compiler takes"
    assert notes["rbln-atom"]["fits"]
    assert notes["nvidia-h200"]["fits"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: files.external_data(p, "../../../etc/passwd"), "../../../etc/passwd"),
        (lambda p: files.external_data(p, "/etc/shadow"), "/etc/shadow"),
        (lambda p: files.external_data(p, "w" * 100_000), "100,000 characters"),
        (files.custom_domain, "com.evil"),
        (files.truncated, "truncated"),
        (files.pickle_named_onnx, "pickle"),
        (files.zip_named_onnx, "zip archive"),
        (files.garbage, "not a complete ONNX model"),
        (files.future_opset, "opset 99"),
        (files.checker_failure, "checker"),
        (files.memory_hog, "memory"),
    ],
    ids=[
        "external-dotdot",
        "external-absolute",
        "external-huge-path",
        "custom-domain",
        "truncated",
        "pickle",
        "zip",
        "garbage",
        "opset-99",
        "checker",
        "memory-hog",
    ],
)
def test_hostile_files_are_rejected_with_a_reason(tmp_path, make, reason):
    report = validate_file(make(tmp_path / "model.onnx"), SMALL)
    assert report["accepted"] is False
    assert reason in report["reason"], report["reason"]
    assert len(report["reason"]) < 600  # a reason, not a dump


def test_a_model_that_never_finishes_is_stopped(tmp_path):
    # The wall is far, so on a busy host too it is the CPU limit that stops the endless Loop.
    limits = SandboxLimits(memory_bytes=2 * 1024**3, cpu_seconds=3, wall_seconds=60)
    report = validate_file(files.endless_loop(tmp_path / "loop.onnx"), limits)
    assert report["accepted"] is False
    assert report["reason"] == "validation used more than 3 s of CPU and was stopped"


def test_validate_onnx_command_prints_json_and_fails_on_rejection(tmp_path):
    out = io.StringIO()
    call_command("validate_onnx", str(files.good(tmp_path / "ok.onnx")), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["accepted"]
    assert report["signature"]
    assert report["flavors"]
    assert report["latency_ms"]
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "validate_onnx",
            str(files.pickle_named_onnx(tmp_path / "bad.onnx")),
            "--json",
            stdout=out,
        )
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["reason"].startswith("this is a Python pickle")
