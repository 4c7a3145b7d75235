"""Run a program in a separate process with a memory, CPU-time and wall-time budget, and say
which budget stopped it. Work on a stranger's file (an ONNX model, a data sample) runs this way:
a hostile or merely enormous file exhausts the child, never the web or worker process that
asked, and the job fails with a reason instead of taking the host down.

The child:
1. gets its own session and process group, so everything it starts is killed with it;
2. is capped in address space (RLIMIT_AS) and CPU time (RLIMIT_CPU, soft = hard, so the kernel
   sends SIGKILL at the limit: nothing in the child can catch, ignore, block or defer it, and
   no core dump is written); a soft limit below the hard one only sends SIGXCPU, which a
   process can inherit ignored or blocked from its parent, and whose default action is a core
   dump that a host piping cores to a collector makes the dying process wait for;
3. optionally writes no files (RLIMIT_FSIZE 0) and has no network (an empty namespace);
4. is killed, group and all, when the wall-time budget runs out.

Stdout lines can be handed to a callback as they arrive (progress reports)."""

import contextlib
import ctypes
import os
import resource
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000
STDERR_KEPT = 64 * 1024
READ_CHUNK = 64 * 1024
# Signs, in a dead child's stderr, that an allocation failed at the address-space limit:
# Python, C++ (onnxruntime), Rust (polars) and the C library each say it their own way.
MEMORY_SIGNS = (
    "MemoryError",
    "bad_alloc",
    "Failed to allocate",
    "memory allocation of",
    "Cannot allocate memory",
    "out of memory",
    "failed to map segment",  # a library could not be loaded into what was left
    "can't start new thread",  # no room left for another thread's stack
    "thread creation failed",  # jemalloc (polars) refused its background thread's stack
)
# Signs that a write went past the file-size limit (Python ignores SIGXFSZ and gets EFBIG).
DISK_SIGNS = ("File too large",)
# Loaded here, in the parent: a child between fork and exec must not load libraries (another
# thread of the parent may hold the loader's lock at the moment of the fork).
_LIBC = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Limits:
    memory_bytes: int
    cpu_seconds: int
    wall_seconds: float
    file_bytes: int | None = None  # the largest file it may write; None: no limit
    no_network: bool = False
    output_bytes: int = 64 * 1024**2  # stdout kept beyond this is a runaway: stopped


@dataclass
class Outcome:
    returncode: int
    stdout: bytes
    stderr: str  # the last STDERR_KEPT bytes, decoded
    cpu_seconds: float
    wall_seconds: float
    # Which budget stopped it: "memory", "cpu", "wall", "disk", "output", or "" when none did.
    stopped: str

    @property
    def ok(self):
        return self.returncode == 0 and not self.stopped


def _limit_child(limits):
    def apply():
        os.setsid()
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limits.file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        if limits.no_network:
            # Where the kernel lets us make an empty network namespace (root, or user
            # namespaces); elsewhere the program must refuse the network itself.
            _LIBC.unshare(CLONE_NEWNET)

    return apply


def run_limited(argv, limits, *, cwd=None, env=None, on_line=None):
    """Run argv under `limits`; returns its Outcome. `on_line(bytes)` is called with each
    complete stdout line as it arrives (stdout is kept whole as well)."""
    started = time.monotonic()
    deadline = started + limits.wall_seconds
    process = subprocess.Popen(  # noqa: S603 (callers pass a fixed interpreter and script)
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_child(limits),
    )
    try:
        stdout, stderr, stopped = _read_until_done(process, limits, deadline, on_line)
    finally:
        # Whatever happened here (an exception in on_line, the task's own time limit), the
        # child does not outlive this call. The group goes before the child is reaped: its id
        # cannot have been reused by then.
        _kill_group(process.pid)
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        process.stderr.close()
    cpu = usage.ru_utime + usage.ru_stime
    text = stderr.decode("utf-8", "replace")
    return Outcome(
        returncode=process.returncode,
        stdout=bytes(stdout),
        stderr=text,
        cpu_seconds=cpu,
        wall_seconds=time.monotonic() - started,
        stopped=stopped or _budget_that_stopped(process.returncode, cpu, text, limits),
    )


def _read_until_done(process, limits, deadline, on_line):
    """Read the child's stdout and stderr until both close, or a budget of this side (wall
    time, output size) runs out; returns (stdout, the tail of stderr, that budget or "")."""
    stdout, stderr, pending = bytearray(), bytearray(), bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ, "out")
        selector.register(process.stderr, selectors.EVENT_READ, "err")
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return stdout, stderr, "wall"
            for key, _events in selector.select(timeout=min(left, 1.0)):
                chunk = os.read(key.fileobj.fileno(), READ_CHUNK)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data == "err":
                    stderr += chunk
                    del stderr[:-STDERR_KEPT]
                else:
                    stdout += chunk
                    if on_line is not None:
                        pending += chunk
                        if b"\n" not in chunk:
                            continue
                        *lines, rest = pending.split(b"\n")
                        pending[:] = rest
                        for line in lines:
                            on_line(bytes(line))
            if len(stdout) > limits.output_bytes:
                return stdout, stderr, "output"
    return stdout, stderr, ""


def _kill_group(pgid):
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _budget_that_stopped(returncode, cpu, stderr, limits):
    if returncode == 0:
        return ""
    if returncode == -signal.SIGXFSZ or any(sign in stderr for sign in DISK_SIGNS):
        return "disk"
    # RLIMIT_CPU counts whole seconds of user and system time of all the child's threads.
    if returncode in (-signal.SIGKILL, -signal.SIGXCPU) and cpu >= limits.cpu_seconds - 1:
        return "cpu"
    if any(sign in stderr for sign in MEMORY_SIGNS):
        return "memory"
    if returncode == -signal.SIGKILL:
        return "memory"  # killed by the kernel's out-of-memory killer, not by a budget here
    return ""
