"""A local Ray cluster on this machine, for the tests marked ``ray`` and the serving benchmark:
one head node started with ``ray start --head --block`` in its own process group, with token
authentication on and ``RBLN`` units declared, and stopped by that group's id (never ``ray
stop``, which would stop every Ray cluster on the machine). Providers start theirs as
docs/compute.md says; this is not how a production cluster is run."""

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

START_SECONDS = 120
REPO = Path(__file__).resolve().parent.parent.parent


@dataclass
class LocalCluster:
    dashboard_url: str
    gcs_address: str
    token: str
    process: subprocess.Popen

    def driver_env(self):
        """The environment a Ray driver needs to join this cluster."""
        return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.token}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RayMissing(Exception):
    """Ray is not installed in this environment."""


def ray_command():
    found = shutil.which("ray", path=str(Path(sys.executable).parent))
    if found is None:
        raise RayMissing("Ray is not installed in this environment (pip install 'ray[serve]')")
    return found


def start_cluster(tmp_dir, units, gpus=0):
    """A head with ``units`` RBLN units and ``gpus`` GPU units declared (Ray counts declared
    GPUs without looking for cards; work placed on them runs on the CPU here)."""
    token = secrets.token_hex(16)
    gcs_port, dashboard_port = free_port(), free_port()
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": token,
        "RAY_USAGE_STATS_ENABLED": "0",
        # The replicas import OneStop's replica module, as a provider's nodes do once
        # OneStop is installed on them.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        # A Ray job's entrypoint (a training run) says ``python``: this environment's.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    log = (tmp_dir / "ray-head.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
        [
            ray_command(), "start", "--head", "--block",
            "--port", str(gcs_port),
            "--dashboard-host", "127.0.0.1",
            "--dashboard-port", str(dashboard_port),
            # Every fixed port Ray would otherwise take (the job agent's 52365 among them) is a
            # free one, so a second cluster on the machine (another test run) cannot collide.
            "--dashboard-agent-listen-port", str(free_port()),
            "--dashboard-agent-grpc-port", str(free_port()),
            "--runtime-env-agent-port", str(free_port()),
            "--metrics-export-port", str(free_port()),
            "--ray-client-server-port", str(free_port()),
            "--num-cpus", "2",
            "--object-store-memory", str(200 * 1024 * 1024),
            "--resources", json.dumps({"RBLN": units}),
            "--num-gpus", str(gpus),
            "--temp-dir", str(tmp_dir / "ray"),
            "--disable-usage-stats",
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    cluster = LocalCluster(
        dashboard_url=f"http://127.0.0.1:{dashboard_port}",
        gcs_address=f"127.0.0.1:{gcs_port}",
        token=token,
        process=process,
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        request = urllib.request.Request(cluster.dashboard_url + "/api/v0/nodes")  # noqa: S310
        request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=2) as answer:  # noqa: S310
                if json.load(answer)["data"]["result"]["total"] >= 1:
                    return cluster
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    stop_cluster(cluster)
    raise RuntimeError(
        f"the local Ray head did not start:\n{(tmp_dir / 'ray-head.log').read_text()[-3000:]}"
    )


def stop_cluster(cluster):
    """Stop the head and every process it started: they share its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(cluster.process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        cluster.process.wait(timeout=10)
    # Whatever of the group outlived the polite stop (Ray's workers take their time).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(cluster.process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        cluster.process.wait(timeout=10)
