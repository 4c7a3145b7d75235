"""Look-ups the endpoint pages, forms and deploy steps share."""

from django.utils import timezone

from deployment.models import Endpoint, Grant, ModelVersion


def active_grants(company, now=None):
    """The grants an endpoint can be deployed on: in force, with guaranteed units (endpoints
    run within a guarantee; a borrowing-only grant of a training job has none)."""
    now = now or timezone.now()
    return (
        Grant.objects.filter(
            company=company, starts_at__lte=now, ends_at__gt=now, guarantee_units__gt=0
        )
        .select_related("pool")
        .order_by("pool__name")
    )


def grant_for(endpoint, now=None):
    """The company's grant on the endpoint's pool that is in force now, or None."""
    if endpoint.pool_id is None:
        return None
    now = now or timezone.now()
    return (
        Grant.objects.filter(
            company_id=endpoint.company_id,
            pool_id=endpoint.pool_id,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .select_related("pool")
        .first()
    )


def deployable_versions(company):
    """Published catalog versions and the company's own private models."""
    return (
        ModelVersion.objects.visible_to_company(company)
        .filter(state=ModelVersion.State.PUBLISHED)
        .select_related("family")
        .order_by("family__name", "-created_at")
    )


def endpoints_not_deleted(company):
    """The company's endpoints its pages show: all but the deleted ones, whose rows stay only
    for the grant's usage record."""
    return Endpoint.objects.filter(company=company).exclude(state=Endpoint.State.DELETED)
