"""Serving throughput: a 100-tree random forest on the five AI4I 2020 sensor columns, served
through OneStop exactly as `make run` serves it (`manage.py serve`, uvicorn, SQLite, a real
endpoint key) and through KServe's Python ModelServer with the same ONNX Runtime thread
settings, both loaded by `wrk` with single-row JSON v2 requests over keep-alive connections,
closed loop, at concurrency 1, 8 and 64. One web worker process each for the headline.

The same run measures dynamic batching on and off at concurrency 64, on the forest (JSON)
and on the demo visual-inspection network (binary tensor requests), and the floor: one
`session.run` on one row in this process. Every response is checked: the first against the
in-process answer, all of them for status 200 (wrk's response hook counts the others).

This module runs the measurements; the models and request bodies are in ``serving_models``,
the two servers in ``serving_servers``."""

import json
import os
import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from deployment.bench.serving_cluster import cluster_rows
from deployment.bench.serving_models import (
    forest_model,
    in_process,
    request_bodies,
    run_floor,
    vision_model,
)
from deployment.bench.serving_servers import (
    kserve_server,
    onestop_instance,
    onestop_server,
    peer_python,
)

CONCURRENCY = (1, 8, 64)
SECONDS, WARM_UP_SECONDS = 8, 2
REPEATS = 3  # alternating runs per measurement; the median is reported
BATCH = {"batch_max_size": 16, "batch_max_delay_ms": 2}
BINARY_HEADER = "Inference-Header-Content-Length"
DTYPES = {"FP32": np.float32, "INT64": np.int64}
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.method = "POST"
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = "application/json"
  if args[2] ~= "" then wrk.headers["Authorization"] = "Bearer " .. args[2] end
  if args[3] ~= "" then wrk.headers["Inference-Header-Content-Length"] = args[3] end
  other, batched, runs = 0, 0, 0
end
function response(status, headers, body)
  if status ~= 200 then other = other + 1 end
  local size = headers["Batch-Size"] or headers["batch-size"]
  if size then batched = batched + tonumber(size); runs = runs + 1 end
end
function done(summary, latency, requests)
  local other, batched, runs = 0, 0, 0
  for _, thread in ipairs(threads) do
    other = other + thread:get("other")
    batched = batched + thread:get("batched")
    runs = runs + thread:get("runs")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "us": %d, "non_200": %d, "socket_errors": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "batch_rows": %d, "batched": %d}\\n',
    summary.requests, summary.duration, other, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), batched, runs))
end
"""


def run():
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("the serving benchmark needs wrk: apt-get install -y wrk")
    work = Path(settings.VAR_DIR) / "bench" / "serving"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "load.lua").write_text(WRK_SCRIPT)
    forest, rows = forest_model(work)
    vision, images = vision_model(work)
    floor_us = run_floor(forest, rows[:1])
    kserve = peer_python()
    endpoints = onestop_instance(work, forest, vision, BATCH)
    bodies = request_bodies(work, rows[:1], images[:1])

    results, notes, cluster_met = [], [], None
    with onestop_server(work) as onestop, kserve_server(work, kserve, forest) as peer:
        expected = in_process(forest, rows[:1])
        check(onestop, "forest", endpoints["forest"], bodies["forest"], expected)
        check(peer, "forest", "", bodies["forest"], expected)
        check(onestop, "forest-batched", endpoints["forest-batched"], bodies["forest"], expected)
        seen = in_process(vision, images[:1])
        check(onestop, "vision", endpoints["vision"], bodies["vision"], seen)
        check(onestop, "vision-batched", endpoints["vision-batched"], bodies["vision"], seen)
        met = True
        for users in CONCURRENCY:
            ours, theirs = alternate(
                lambda users=users: load(
                    wrk, work, onestop, "forest", endpoints["forest"], bodies["forest"], users
                ),
                lambda users=users: load(wrk, work, peer, "forest", "", bodies["forest"], users),
            )
            met = met and ours["rps"] >= theirs["rps"]
            results.append(row(f"forest, JSON, {users} connection(s)", "OneStop", ours))
            results.append(row("", "KServe (peer)", theirs, ratio=ours["rps"] / theirs["rps"]))
        pinned = pinned_rows(wrk, work, onestop, peer, endpoints["forest"], bodies["forest"])
        results += pinned
        if pinned:
            notes.append(
                "'on one CPU': each server and wrk share one CPU, so no request or answer waits "
                "for an idle CPU to wake; the gap between that row and the plain 1-connection "
                "row is the machine's wake-up latency, paid by both servers"
            )
        for label, name, body in (
            ("forest, JSON", "forest", bodies["forest"]),
            ("visual inspection, binary", "vision", bodies["vision"]),
        ):
            off, on = alternate(
                lambda name=name, body=body: load(
                    wrk, work, onestop, name, endpoints[name], body, 64
                ),
                lambda name=name, body=body: load(
                    wrk, work, onestop, f"{name}-batched", endpoints[f"{name}-batched"], body, 64
                ),
            )
            results.append(row(f"{label}, 64 connections", "OneStop, batching off", off))
            results.append(
                row("", "OneStop, batching on", on, ratio=on["rps"] / off["rps"], vs="batching off")
            )
        if os.environ.get("ONESTOP_BENCH_CLUSTER", "1") != "0":
            rows, cluster_notes, cluster_met = cluster_rows(
                wrk, work, onestop, forest, bodies["forest"], expected, CONCURRENCY
            )
            results += rows
            notes += cluster_notes
    notes += [
        f"target (OneStop ≥ KServe at every concurrency): {'met' if met else 'NOT met'}",
        f"OneStop: {settings.ONESTOP_WEB_WORKERS} uvicorn worker process(es) "
        f"({settings.ONESTOP_WEB_THREADS} serving threads each), as `make run` starts it; "
        "KServe: one uvicorn worker; ONNX Runtime intra-op threads = "
        f"{settings.ONESTOP_SERVING_THREADS}, inter-op 1 on both",
        f"in-process floor: one session.run on one row takes {floor_us:.0f} µs",
        f"batching on: batch_max_size {BATCH['batch_max_size']}, batch_max_delay_ms "
        f"{BATCH['batch_max_delay_ms']}; 'mean batch' is requests per model run",
        f"wrk {SECONDS} s per run after {WARM_UP_SECONDS} s warm-up, closed loop, keep-alive; "
        f"median of {REPEATS} runs taken in turns with the other row of the pair; "
        f"{os.cpu_count()} CPUs shared by server and load generator",
    ]
    return {
        "title": "Serving: requests/s and latency, OneStop vs KServe ModelServer, same model",
        "columns": ["load", "server", "requests/s", "p50 ms", "p99 ms", "mean batch", "ratio"],
        "rows": results,
        "floor_us": floor_us,
        "target_met": met,
        "cluster_target_met": cluster_met,
        "batching": BATCH,
        "notes": notes,
    }


def alternate(first, second, repeats=REPEATS):
    """Each of two measurements ``repeats`` times, taking turns so a slow spell of the machine
    falls on both; the run with the median requests/s of each (all runs kept in "raw")."""
    runs = {0: [], 1: []}
    for _ in range(repeats):
        runs[0].append(first())
        runs[1].append(second())
    picked = []
    for side in (0, 1):
        ordered = sorted(runs[side], key=lambda m: m["rps"])
        median = dict(ordered[len(ordered) // 2])
        median["all_rps"] = [round(m["rps"]) for m in runs[side]]
        picked.append(median)
    return picked


def row(label, server, measured, ratio=None, vs="KServe"):
    return {
        "load": label,
        "server": server,
        "requests/s": measured["rps"],
        "p50 ms": measured["p50_us"] / 1000,
        "p99 ms": measured["p99_us"] / 1000,
        "mean batch": round(measured["batch_rows"] / measured["batched"], 1)
        if measured["batched"]
        else "",
        "ratio": "" if ratio is None else round(ratio, 2),
        "ratio_against": vs if ratio is not None else "",
        "raw": measured,
    }


# Load -----------------------------------------------------------------------------------------


def pinned_rows(wrk, work, onestop, peer, key, body):
    """One connection again, each server with every thread on the CPU wrk runs on. At one
    connection the server waits for each request and the client for each answer; on separate
    CPUs of a virtual machine each wait can end with a halted CPU waking up, which costs a
    small server more than a large one (a bare uvicorn app answering a fixed body is several
    times faster on one CPU than on two). On one CPU the figure is the servers' own work per
    request. Skipped without ``taskset`` or a second CPU, and with more than one web worker
    (uvicorn's workers are processes of their own, which ``pin`` does not reach)."""
    allowed = sorted(os.sched_getaffinity(0))
    if shutil.which("taskset") is None or len(allowed) < 2 or settings.ONESTOP_WEB_WORKERS != 1:
        return []
    everywhere, one = ",".join(map(str, allowed)), str(allowed[0])
    servers = (onestop, peer)
    try:
        for server in servers:
            pin(server, one)
        ours, theirs = alternate(
            lambda: load(wrk, work, onestop, "forest", key, body, 1, cpu=one),
            lambda: load(wrk, work, peer, "forest", "", body, 1, cpu=one),
        )
    finally:
        for server in servers:
            pin(server, everywhere, check=False)  # an error here must not hide the run's
    return [
        row("forest, JSON, 1 connection, server and wrk on one CPU", "OneStop", ours),
        row("", "KServe (peer)", theirs, ratio=ours["rps"] / theirs["rps"]),
    ]


def pin(server, cpus, check=True):
    """Every thread of the server's process onto ``cpus`` (ONNX Runtime's included)."""
    subprocess.run(
        [
            shutil.which("taskset"),
            "--all-tasks",
            "--pid",
            "--cpu-list",
            cpus,
            str(server.process.pid),
        ],
        check=check,
        capture_output=True,
    )


def check(server, model, key, body, expected):
    """One request, answered 200 with the in-process answer, before any load."""
    path, header_length = body
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    if header_length:
        headers[BINARY_HEADER] = str(header_length)
    url = infer_url(server, model)
    request = urllib.request.Request(url, path.read_bytes(), headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 200, answer.status
        raw, length = answer.read(), int(answer.headers.get(BINARY_HEADER) or 0)
    head, offset = json.loads(raw[:length] if length else raw), length
    for output in head["outputs"]:
        if "data" in output:
            value = np.ravel(output["data"])
        else:
            size = output["parameters"]["binary_data_size"]
            value = np.frombuffer(raw[offset : offset + size], DTYPES[output["datatype"]])
            offset += size
        np.testing.assert_allclose(value, expected[output["name"]].ravel(), rtol=1e-5)


def infer_url(server, model):
    route = getattr(server, "route", None)
    return f"{server.url}{route}" if route else f"{server.url}/v2/models/{model}/infer"


@dataclass
class Peer:
    """A server already running (Ray Serve's proxy), whose model answers at ``route``."""

    name: str
    url: str
    route: str


def load(wrk, work, server, model, key, body, users, strict=True, cpu=None):
    """wrk's figures for one closed-loop run after a warm-up; any non-200 answer stops here,
    unless not ``strict`` (a peer's failures under load are its figures, counted apart).
    ``cpu``: the one CPU wrk runs on (see ``pinned_rows``)."""
    path, header_length = body
    url = infer_url(server, model)
    script = ["-s", str(work / "load.lua"), url, "--", str(path), key, str(header_length)]
    common = [wrk, "-t1", f"-c{users}", "--timeout", "10s"]
    if cpu is not None:
        common = [shutil.which("taskset"), "--cpu-list", cpu, *common]
    subprocess.run([*common, f"-d{WARM_UP_SECONDS}s", *script], check=True, capture_output=True)
    done = subprocess.run(
        [*common, f"-d{SECONDS}s", *script], check=True, capture_output=True, text=True
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    failed = measured["non_200"] or measured["socket_errors"]
    if strict and (failed or not measured["requests"]):
        raise SystemExit(f"{server.name} {model} at {users}: errors under load: {measured}")
    answered = measured["requests"] - measured["non_200"]
    measured["rps"] = answered / (measured["us"] / 1e6)
    return measured
