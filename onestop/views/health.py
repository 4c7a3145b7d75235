"""Probes for load balancers and orchestrators. Neither needs a session or a tenant."""

import os

from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from onestop.celery import app as celery_app


@never_cache
def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


def database_problem(alias="default"):
    """None when a fresh connection answers ``SELECT 1``; otherwise what went wrong."""
    connection = connections.create_connection(alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
    finally:
        connection.close()
    return None


def broker_problem():
    """None when the Celery broker accepts a connection; otherwise what went wrong."""
    url = celery_app.conf.broker_url or ""
    if url.startswith("filesystem"):
        folder = (celery_app.conf.broker_transport_options or {}).get("data_folder_out", "")
        if folder and os.access(folder, os.W_OK):
            return None
        return "unreachable (broker folder missing or not writable)"
    try:
        with celery_app.connection_for_write(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
    return None


@never_cache
def readyz(request):
    """Ready to take traffic: the database and the broker both answer."""
    checks = {"database": database_problem(), "broker": broker_problem()}
    failing = sorted(name for name, problem in checks.items() if problem)
    body = {
        "status": "unavailable" if failing else "ok",
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
