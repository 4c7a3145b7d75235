"""Run the ONNX probe in a separate process with memory, CPU-time and wall-time limits, no
network and an empty working folder, and turn whatever happens to it into a verdict. A hostile
file can exhaust the probe; it cannot take down the web or worker process that asked."""

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PROBE = Path(__file__).with_name("probe.py")
CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class SandboxLimits:
    memory_bytes: int = 4 * 1024**3
    cpu_seconds: int = 60
    wall_seconds: int = 120


def _limit_child(limits):
    def apply():
        os.setsid()  # its own process group, so a timeout kills everything it started
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes no files
        # No network where the kernel lets us make an empty network namespace (root, or user
        # namespaces); the probe also disables sockets itself.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.unshare(CLONE_NEWNET)

    return apply


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
        process = subprocess.Popen(  # noqa: S603 (fixed interpreter and script)
            [sys.executable, "-I", str(PROBE), str(path)],
            cwd=empty,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_limit_child(limits),
        )
        try:
            out, err = process.communicate(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return rejected(f"validation took longer than {limits.wall_seconds} s and was stopped")
    return verdict(process.returncode, out, err, limits)


def verdict(returncode, out, err, limits):
    if returncode == 0:
        try:
            return json.loads(out)
        except ValueError:
            return rejected("validation gave no result")
    if returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return rejected(f"validation used more than {limits.cpu_seconds} s of CPU and was stopped")
    text = err.decode("utf-8", "replace")
    if "MemoryError" in text or "bad_alloc" in text or "Failed to allocate" in text:
        return rejected(
            f"the model needs more than the {limits.memory_bytes / 1024**3:.0f} GB of memory "
            "validation allows"
        )
    if returncode < 0:
        return rejected(f"the model crashed the runtime (signal {-returncode})")
    last = text.strip().splitlines()[-1][:300] if text.strip() else f"exit status {returncode}"
    return rejected(f"validation failed: {last}")


def rejected(reason):
    return {"accepted": False, "reason": reason}
