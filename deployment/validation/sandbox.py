"""Run the ONNX probe in a separate process with memory, CPU-time and wall-time limits, no
network, no files written and an empty working folder (onestop.sandbox), and turn whatever
happens to it into a verdict. A hostile file can exhaust the probe; it cannot take down the web
or worker process that asked."""

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from onestop.sandbox import Limits, run_limited

PROBE = Path(__file__).with_name("probe.py")


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 4 * 1024**3
    cpu_seconds: int = 60
    wall_seconds: int = 120


def validate_file(path, limits=SandboxLimits()):
    """The probe's report: {"accepted": bool, "reason": str, ...}."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="onestop-onnx-") as empty:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": empty,
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        outcome = run_limited(
            [sys.executable, "-I", str(PROBE), str(path)],
            Limits(
                memory_bytes=limits.memory_bytes,
                cpu_seconds=limits.cpu_seconds,
                wall_seconds=limits.wall_seconds,
                file_bytes=0,  # it writes no files
                no_network=True,  # the probe also disables sockets itself
            ),
            cwd=empty,
            env=env,
        )
    return verdict(outcome, limits)


def verdict(outcome, limits):
    if outcome.stopped == "wall":
        return rejected(f"validation took longer than {limits.wall_seconds} s and was stopped")
    if outcome.stopped == "cpu":
        return rejected(f"validation used more than {limits.cpu_seconds} s of CPU and was stopped")
    if outcome.stopped == "memory":
        return rejected(
            f"the model needs more than the {limits.memory_bytes / 1024**3:.0f} GB of memory "
            "validation allows"
        )
    if outcome.stopped == "output":
        return rejected("validation gave more output than a report can hold")
    if outcome.returncode == 0:
        try:
            return json.loads(outcome.stdout)
        except ValueError:
            return rejected("validation gave no result")
    if outcome.returncode < 0:
        return rejected(f"the model crashed the runtime (signal {-outcome.returncode})")
    text = outcome.stderr.strip()
    last = text.splitlines()[-1][:300] if text else f"exit status {outcome.returncode}"
    return rejected(f"validation failed: {last}")


def rejected(reason):
    return {"accepted": False, "reason": reason}
