"""The demo's ready endpoint: 한빛정밀 serves the demo predictive-maintenance model on its
grant on the ATOM pool, and its inference key is written to ``ONESTOP_DEMO_CREDENTIALS`` so a
newcomer can call it right after `make run` (development only: never with DEBUG off)."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from deployment.models import ComputePool, Endpoint, EndpointKey, Grant, ModelVersion
from deployment.services.allocation import grant_create
from deployment.services.endpoints.keys import endpoint_key_issue
from deployment.services.endpoints.pipeline import endpoint_create, endpoint_deploy

DEMO_ENDPOINT = "demo-predictive-maintenance"
DEMO_COMPANY = "한빛정밀"
DEMO_POOL = "ATOM 추론 풀"
DEMO_MODEL = "설비 고장 예측 (Predictive maintenance)"


def seed_demo_endpoint():
    from onestop.models import Company

    company = Company.objects.filter(name=DEMO_COMPANY).first()
    pool = ComputePool.objects.filter(name=DEMO_POOL).first()
    version = (
        ModelVersion.objects.filter(origin="demo", state="published", family__name=DEMO_MODEL)
        .order_by("pk")
        .first()
    )
    if company is None or pool is None or version is None:
        return None
    now = timezone.now()
    if not Grant.objects.filter(company=company, pool=pool, ends_at__gt=now).exists():
        grant_create(
            company=company,
            pool=pool,
            guarantee_units=2,
            starts_at=now - timedelta(days=30),
            ends_at=now + timedelta(days=700),
            unit_hours_budget=2 * 24 * 730,
        )
    endpoint = Endpoint.objects.filter(name=DEMO_ENDPOINT).exclude(state="deleted").first()
    if endpoint is None:
        # As an owner deploys it, checks and audit included; the queued task will find it ready.
        endpoint = endpoint_create(
            company=company,
            version=version,
            grant=Grant.objects.get(company=company, pool=pool, ends_at__gt=now),
            name=DEMO_ENDPOINT,
            user=owner_of(company),
        )
    if endpoint.state in Endpoint.IN_FLIGHT:
        # Here and now, so the demo starts with the endpoint ready.
        endpoint_deploy(endpoint_id=endpoint.pk)
    write_credentials(endpoint)
    return endpoint


def owner_of(company):
    membership = company.memberships.filter(role="owner").select_related("user").first()
    return membership.user if membership else None


def write_credentials(endpoint):
    """The demo key, kept across runs while it still works."""
    if not settings.DEBUG:
        return None
    path = settings.ONESTOP_DEMO_CREDENTIALS
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        saved = {}
    key = EndpointKey.find(saved.get("key", ""))
    if key is not None and key.endpoint_id == endpoint.pk:
        return path
    _key, raw = endpoint_key_issue(endpoint=endpoint, user=owner_of(endpoint.company), name="demo")
    url = f"{settings.SITE_URL.rstrip('/')}/v2/models/{endpoint.name}/infer"
    body = {
        "inputs": [
            {
                "name": "input",
                "shape": [1, 8],
                "datatype": "FP32",
                "data": [1, 0, 0, 298.1, 308.6, 1551, 42.8, 108],
            }
        ]
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "endpoint": endpoint.name,
                "url": url,
                "key": raw,
                "curl": (
                    f"curl -s {url} -H 'Authorization: Bearer {raw}' "
                    f"-H 'Content-Type: application/json' -d '{json.dumps(body)}'"
                ),
                "note": "Development only: a demo key for the demo endpoint.",
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    path.chmod(0o600)
    return path
