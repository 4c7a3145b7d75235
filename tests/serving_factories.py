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
