"""Oversized request bodies are refused while they stream in, per route, against a real uvicorn
server: with a declared length before a byte of the body is read, without one (chunked) as soon
as the count passes the limit, and never buffered to disk."""

import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_serve import answers, free_port, wait_for

MB = 1024 * 1024
FORM_LIMIT = 1 * MB  # DATA_UPLOAD_MAX_MEMORY_SIZE for the server under test
DATA_LIMIT = 3 * MB  # ONESTOP_MAX_UPLOAD_BYTES
MODEL_LIMIT = 2 * MB  # ONESTOP_MAX_MODEL_BYTES
CHUNK = b"x" * (64 * 1024)
GIVE_UP_AFTER = 64 * MB  # a server that has not answered by then buffers the whole body
SERVER_KEY = "body-limits-" + "k" * 50  # the server's secret key, so a test can make a run token


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("body-limits")
    spool = var / "spool"  # where Django would write the body it buffers (TMPDIR)
    spool.mkdir()
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    }
    env.update(
        ONESTOP_VAR_DIR=str(var),
        DEBUG="1",
        PYTHONUNBUFFERED="1",
        TMPDIR=str(spool),
        DATA_UPLOAD_MAX_MEMORY_SIZE=str(FORM_LIMIT),
        ONESTOP_MAX_UPLOAD_BYTES=str(DATA_LIMIT),
        ONESTOP_MAX_MODEL_BYTES=str(MODEL_LIMIT),
        SECRET_KEY=SERVER_KEY,
    )
    log = var / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--no-worker", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz")), log.read_text()
        yield port, process, spool
    finally:
        process.terminate()
        process.wait(timeout=30)


def request_head(
    path, *, length=None, accept="text/html", content_type="multipart/form-data", method="POST",
    token=None,
):  # fmt: skip
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    authorization = f"Authorization: Bearer {token}\r\n" if token else ""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: {accept}\r\n{authorization}"
        f"Accept-Language: en\r\nContent-Type: {content_type}; boundary=b\r\n{framing}\r\n\r\n"
    ).encode()


def read_response(sock):
    sock.settimeout(10)
    data = b""
    while True:
        try:
            part = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not part:
            break
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else None
    return status, head.decode("latin-1").lower(), body.decode()


def send_until_answered(port, head, *, chunked, total):
    """Send up to ``total`` body bytes, stopping as soon as the server answers; returns the
    response and how many body bytes were sent by then."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = CHUNK[: total - sent]
            framed = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            try:
                sock.sendall(framed)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        return (*read_response(sock), sent)


def spooled_files(process, spool):
    """Files the server holds open in, or has left in, its temporary folder."""
    open_files = []
    for fd in Path(f"/proc/{process.pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(spool)):
            open_files.append(target)
    return open_files + [str(path) for path in spool.iterdir()]


def test_an_anonymous_300_mb_login_post_is_refused_before_its_body_is_read(server):
    port, process, spool = server
    status, head, body, sent = send_until_answered(
        port,
        request_head("/login/", length=300 * MB, content_type="application/x-www-form-urlencoded"),
        chunked=False,
        total=GIVE_UP_AFTER,
    )
    assert status == 413
    assert "text/html" in head
    assert "The request is too large: at most 1.0\xa0MB can be sent to this address." in body
    assert sent < 8 * MB  # answered at once, not after the body
    assert spooled_files(process, spool) == []


def test_a_chunked_login_post_without_a_length_is_cut_off_at_the_form_limit(server):
    port, process, spool = server
    status, _, body, sent = send_until_answered(
        port,
        request_head("/login/", content_type="application/x-www-form-urlencoded"),
        chunked=True,
        total=GIVE_UP_AFTER,
    )
    assert status == 413
    assert "too large" in body
    # Refused once the count passed 1 MB, plus what the sockets held on the way and what the
    # client sent before it saw the answer (on a loaded 2-core machine, up to ~9 MB was seen):
    # far from the 64 MB a server that buffers the body would take.
    assert FORM_LIMIT < sent < FORM_LIMIT + 16 * MB
    assert wait_for(lambda: spooled_files(process, spool) == [], timeout=5)


def test_a_model_upload_over_the_model_limit_says_too_large_in_json(server):
    port, process, spool = server
    for length in (600 * MB, None):  # declared, then chunked
        status, head, body, sent = send_until_answered(
            port,
            request_head("/api/v1/models/1/versions", length=length, accept="*/*"),
            chunked=length is None,
            total=GIVE_UP_AFTER,
        )
        assert status == 413, body
        assert "application/json" in head
        assert '"code": "too_large"' in body
        assert "at most 2.1\xa0MB" in body  # the model limit and room for the form fields
        assert "no file was submitted" not in body.lower()
        assert sent < MODEL_LIMIT + 8 * MB
    assert wait_for(lambda: spooled_files(process, spool) == [], timeout=5)


def test_each_route_has_its_own_limit(server):
    port, _, _ = server
    body = 1536 * 1024  # over the portal's form limit, within the upload limits
    for path, expected in [
        ("/login/", 413),
        ("/data/upload/", 302),  # read in full, then sent to sign in
        ("/api/v1/models/1/versions", 401),  # read in full, then refused for want of a key
    ]:
        status, _, text, _ = send_until_answered(
            port, request_head(path, length=body, accept="*/*"), chunked=False, total=body
        )
        assert status == expected, (path, text[:300])


def test_a_data_upload_over_its_limit_is_refused_in_json_for_the_upload_page(server):
    port, _, _ = server
    status, head, body, _ = send_until_answered(
        port,
        request_head("/data/upload/", accept="application/json"),
        chunked=True,
        total=GIVE_UP_AFTER,
    )
    assert status == 413
    assert "application/json" in head
    assert "at most 3.1\xa0MB" in body


def test_small_requests_pass_untouched(server):
    port, _, _ = server
    started = time.monotonic()
    assert answers(f"http://127.0.0.1:{port}/login/")
    assert time.monotonic() - started < 5


def test_a_run_upload_gets_its_large_limit_only_with_a_sound_run_token(server):
    """Checkpoints, models and chunks from a cluster's run may be large; nobody else may make
    the server take a large body there."""
    import hashlib
    import hmac

    port, process, spool = server
    path, body = "/compute/training/1/checkpoint?step=1", 1536 * 1024
    # A sound token of another job: the body is taken, and the view refuses the token for
    # this job (without the database, which this server has not set up).
    mac = hmac.new(SERVER_KEY.encode(), b"onestop-run:tr:2:1", hashlib.sha256).hexdigest()
    for token, expected in [(None, 413), ("tr_2_1_" + "0" * 64, 413), (f"tr_2_1_{mac}", 401)]:
        status, _, text, _sent = send_until_answered(
            port,
            request_head(path, length=body, accept="*/*", method="PUT", token=token),
            chunked=False,
            total=body,
        )
        assert status == expected, (token, text[:300])  # 401: read, then refused by the view
    assert wait_for(lambda: spooled_files(process, spool) == [], timeout=5)
