"""Defaults that matter in production: a Content-Security-Policy on every page, X-Forwarded-Proto
believed only when a proxy is declared, and a clear refusal to start without collected static
files (rather than a 500 on every page)."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_serve import answers, free_port, wait_for

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "production-check-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "PYTHONUNBUFFERED": "1",
}


def test_every_page_carries_a_content_security_policy_with_a_fresh_nonce(client):
    first = client.get(reverse("login"))["Content-Security-Policy"]
    second = client.get(reverse("login"))["Content-Security-Policy"]
    assert "default-src 'self'" in first
    assert "script-src 'self' 'nonce-" in first
    assert "object-src 'none'" in first
    assert "frame-ancestors 'none'" in first
    assert "unsafe-eval" not in first
    assert first != second  # a nonce per response


def test_a_caller_cannot_claim_https_without_a_declared_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = None  # the production default: no proxy declared
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def production_setting(name, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ONESTOP_BEHIND")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"from django.conf import settings; print(repr(settings.{name}))",
        ],
        cwd=settings.BASE_DIR,
        env={**clean, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "onestop.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_x_forwarded_proto_is_trusted_only_when_a_proxy_is_declared():
    assert production_setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert production_setting("SECURE_PROXY_SSL_HEADER", ONESTOP_BEHIND_PROXY="1") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def start(tmp_path, **env):
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--no-worker", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env={**base, **PRODUCTION, "ONESTOP_VAR_DIR": str(tmp_path), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}", log


def test_without_collected_static_files_the_server_refuses_to_start_and_says_why(tmp_path):
    process, _, log = start(tmp_path)
    try:
        assert process.wait(timeout=60) != 0
    finally:
        if process.poll() is None:  # it started after all: never leave it serving
            process.kill()
            process.wait()
    assert "python manage.py collectstatic --noinput" in log.read_text()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_of(url, **headers):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
        with opener.open(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """One collectstatic for the module: it compresses every asset, which takes a while."""
    tmp_path = tmp_path_factory.mktemp("collected")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **PRODUCTION, "ONESTOP_VAR_DIR": str(tmp_path)},
        check=True,
        timeout=120,
    )
    return tmp_path


@pytest.mark.parametrize(("behind_proxy", "expected"), [("0", 301), ("1", 200)])
def test_the_server_believes_x_forwarded_proto_only_behind_a_declared_proxy(
    collected, behind_proxy, expected
):
    process, url, log = start(collected, ONESTOP_BEHIND_PROXY=behind_proxy)
    try:
        assert wait_for(lambda: answers(f"{url}/healthz")), log.read_text()[-3000:]
        assert status_of(f"{url}/login/") == 301  # plain HTTP goes to HTTPS either way
        assert status_of(f"{url}/login/", **{"X-Forwarded-Proto": "https"}) == expected
    finally:
        process.terminate()
        process.wait(timeout=30)
