"""What a preemptible job's run on a provider's Ray cluster uses to talk to OneStop (the
training and scoring entrypoints): HTTP with the run's token, files both ways, and a flag a
thread keeps up to date with OneStop's answer to "should I stop?".

It runs on the cluster's nodes and never needs OneStop's database, broker or secret key;
Django is set up for its translations only, as in the data jobs' child process."""

import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

POLL_SECONDS = 2
TIMEOUT_SECONDS = 60
CHUNK = 1024 * 1024


class OneStop:
    def __init__(self, base, token):
        self.base, self.token = base.rstrip("/") + "/", token

    def call(self, method, path, body=None, content_type="application/json"):
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 - OneStop's own address
        request.add_header("Authorization", f"Bearer {self.token}")
        if body is not None:
            request.add_header("Content-Type", content_type)
        return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310

    def json(self, method, path, payload=None):
        body = None if payload is None else json.dumps(payload, default=str).encode()
        try:
            with self.call(method, path, body) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return {"stop": True, "ended": True}  # the run is over for OneStop
            raise

    def download(self, path, target):
        """False when OneStop has no such file (no checkpoint yet)."""
        try:
            with self.call("GET", path) as answer, open(target, "wb") as out:
                while chunk := answer.read(CHUNK):
                    out.write(chunk)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise
        return True

    def upload(self, path, source):
        with self.call("PUT", path, Path(source).read_bytes(), "application/octet-stream") as a:
            return json.loads(a.read() or b"{}")


class StopFlag:
    """Set once OneStop answers that the run should stop; a thread asks every few seconds."""

    def __init__(self, onestop):
        self.onestop, self.event = onestop, threading.Event()
        threading.Thread(target=self.poll, daemon=True).start()

    def poll(self):
        while not self.event.is_set():
            try:
                if self.onestop.json("GET", "progress").get("stop"):
                    self.event.set()
            except (OSError, ValueError):
                pass  # OneStop away a moment: keep training, ask again
            time.sleep(POLL_SECONDS)

    def note(self, answer):
        if answer.get("stop"):
            self.event.set()


def set_up_django():
    """Settings for translations only: no database, broker or cache, a throwaway key."""
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    import django

    django.setup()


def from_environment():
    return OneStop(os.environ["ONESTOP_RUN_URL"], os.environ["ONESTOP_RUN_TOKEN"])
