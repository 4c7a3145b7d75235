"""Row locks under real concurrency. SQLite serialises whole transactions, so these run on
PostgreSQL only (CI sets DATABASE_URL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from onestop.models import Membership
from onestop.services.companies import membership_remove
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")


def run_together(*calls):
    """Start every call at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_owners_removing_each_other_leave_one_owner(postgres_only):
    first, second = factories.make_user(), factories.make_user()
    company = factories.make_company(owner=first)
    factories.add_member(company, second, Membership.Role.OWNER)
    m_first = Membership.objects.get(user=first)
    m_second = Membership.objects.get(user=second)

    outcomes = run_together(
        lambda: membership_remove(membership=m_second, actor=first),
        lambda: membership_remove(membership=m_first, actor=second),
    )

    assert Membership.objects.filter(company=company, role="owner").count() == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
