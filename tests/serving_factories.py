"""Endpoints for serving tests: real models, validated in the sandbox, with a key."""

from deployment.models import Endpoint, EndpointKey
from deployment.services import catalog
from tests import deployment_factories as make


def endpoint(company, path, name="press-line-1", state=Endpoint.State.READY, deadline_ms=2000):
    family = make.family(company=company, name=f"{name} model")
    version = catalog.version_create(
        family=family, version="1.0", chunks=[path.read_bytes()], origin="tests"
    )
    catalog.version_validate(version.pk)
    version.refresh_from_db()
    assert version.state == "published", version.reason
    created = Endpoint.objects.create(
        company=company, name=name, version=version, state=state, deadline_ms=deadline_ms
    )
    _key, raw = EndpointKey.issue(created)
    return created, raw


def published(company, path, name="press line model", version="1.0", family=None):
    """A version validated in the sandbox, as a vendor's upload would be."""
    family = family or make.family(company=company, name=name)
    created = catalog.version_create(
        family=family, version=version, chunks=[path.read_bytes()], origin="tests"
    )
    catalog.version_validate(created.pk)
    created.refresh_from_db()
    assert created.state == "published", created.reason
    return created


def granted(company, units=4, flavor="cpu", **fields):
    """A grant in force on a new pool of ``flavor``."""
    from datetime import timedelta

    from django.utils import timezone

    from deployment.services.allocation import grant_create

    pool = make.pool(flavor=flavor, capacity_units=max(units, 8), **fields)
    now = timezone.now()
    return grant_create(
        company=company,
        pool=pool,
        guarantee_units=units,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=364),
        unit_hours_budget=units * 24 * 365,
    )
