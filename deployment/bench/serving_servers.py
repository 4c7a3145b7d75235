"""The serving benchmark's two servers: OneStop as `make run` serves it, on a fresh SQLite
instance with an endpoint per model (batching off and on) and a key for each, and KServe's
Python ModelServer in its own virtual environment."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings

# OneStop, as `make run` serves it -------------------------------------------------------------

SETUP = """
import json, sys
from deployment.bench.serving_servers import create_endpoints
print(json.dumps(create_endpoints(sys.argv[1], sys.argv[2], {batch})))
"""


def instance_env(work):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(ONESTOP_VAR_DIR=str(work / "instance"), DJANGO_SETTINGS_MODULE="onestop.settings")
    return env


def onestop_instance(work, forest, vision, batch):
    """{endpoint name: key} on a fresh SQLite instance, made the way the portal makes them;
    ``batch`` is the batching settings of the "-batched" endpoints."""
    env = {**instance_env(work), "CELERY_TASK_ALWAYS_EAGER": "1"}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    code = f"import django; django.setup()\n{SETUP.format(batch=batch)}"
    done = subprocess.run(
        [sys.executable, "-c", code, str(forest), str(vision)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def create_endpoints(forest, vision, batch):
    """Runs inside the instance: a company, both models published, an endpoint each with
    batching off and on, and a key for every endpoint."""
    from deployment.models import Endpoint, EndpointKey, ModelFamily
    from deployment.services import catalog
    from onestop.korea import EmployeeBand, Region, registration_number_with_check_digit
    from onestop.models import Company

    company = Company.objects.create(
        name="벤치 제조",
        registration_number=registration_number_with_check_digit("123456789"),
        ksic_division="29",
        employee_band=EmployeeBand.B10_49,
        region=Region.GYEONGNAM,
        contact_name="담당자",
        contact_email="bench@example.com",
    )
    keys = {}
    for name, path in (("forest", forest), ("vision", vision)):
        family = ModelFamily.objects.create(
            company=company, visibility="private", name=f"bench {name}", task="binary"
        )
        version = catalog.version_create(
            family=family, version="1.0", chunks=[Path(path).read_bytes()], origin="bench"
        )
        catalog.version_validate(version.pk)
        version.refresh_from_db()
        assert version.state == "published", version.reason
        for suffix, fields in (("", {}), ("-batched", batch)):
            endpoint = Endpoint.objects.create(
                company=company, name=f"{name}{suffix}", version=version, state="ready", **fields
            )
            keys[endpoint.name] = EndpointKey.issue(endpoint)[1]
    return keys


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name, command, env, log, ready_path):
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.env, self.ready_path = env, ready_path

    def __enter__(self):
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                cwd=settings.BASE_DIR,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def onestop_server(work):
    """`manage.py serve` with the settings `make run` has (the environment's, if any)."""
    env = instance_env(work)
    command = [sys.executable, "manage.py", "serve", "127.0.0.1:{port}", "--no-worker"]
    return Server("OneStop", command, env, work / "onestop.log", "/v2/health/ready")


# KServe, in its own virtual environment ------------------------------------------------------


def peer_packages():
    import onnxruntime

    return ["kserve==0.21.0", f"onnxruntime=={onnxruntime.__version__}", "numpy<3"]


def peer_python():
    venv = Path(settings.VAR_DIR) / "bench" / "kserve-venv"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    packages = peer_packages()
    if not stamp.exists() or stamp.read_text() != " ".join(packages):
        print(f"installing the peer into {venv} (first run only): {', '.join(packages)}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *packages], check=True)
        stamp.write_text(" ".join(packages))
    return python


def kserve_server(work, python, forest):
    script = Path(__file__).with_name("serving_kserve.py")
    threads = str(settings.ONESTOP_SERVING_THREADS)
    command = [str(python), str(script), "{port}", threads, f"forest={forest}"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return Server("KServe", command, env, work / "kserve.log", "/v2/models/forest/ready")
