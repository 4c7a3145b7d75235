"""Benchmarks that measure PostgreSQL work in databases of their own, kept between runs."""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection


@contextmanager
def bench_database(name, benchmark):
    """Point the default connection at ``name``: created and migrated the first time, kept
    afterwards, so data generated once is reused. Never the database the tests create and
    drop. Its contents are not serialised (the test runner's habit), which for a million
    rows would cost minutes and gigabytes."""
    if connection.vendor != "postgresql":
        raise SystemExit(f"bench-{benchmark} needs PostgreSQL: set DATABASE_URL=postgres://…")
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True, serialize=False)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original
        settings.DATABASES[connection.alias]["NAME"] = original
