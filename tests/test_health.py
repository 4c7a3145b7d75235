import pytest
from django.db import connections
from django.urls import reverse

from onestop.celery import app as celery_app


@pytest.fixture
def unreachable_database(db):
    """Point new connections of the default alias at a database that cannot be reached: a
    file under a missing folder for SQLite, a closed port for PostgreSQL. The test's own open
    connection is untouched."""
    settings_dict = connections["default"].settings_dict
    saved = dict(settings_dict)
    if connections["default"].vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-folder/onestop.sqlite3"
    else:
        settings_dict.update(HOST="127.0.0.1", PORT="1")
    settings_dict.setdefault("OPTIONS", {})
    yield
    settings_dict.clear()
    settings_dict.update(saved)


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_broker_answer(client, db):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_names_the_database_when_it_is_unreachable(client, unreachable_database):
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("unreachable")
    assert body["checks"]["broker"] == "ok"


def test_readyz_names_the_broker_when_it_is_unreachable(client, db, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    assert celery_app.conf.broker_url == "redis://127.0.0.1:1/0"
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_probes_are_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("login")).status_code == 301
