"""Retraining a drifting model the company trained on OneStop: the same target, family, columns
set aside and budget, on the newest finished data check that has the target column and was
uploaded after the one the model learnt from."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from deployment.models import TrainingJob
from deployment.services.training.starting import training_start


def source_job(endpoint):
    """The training job that made the endpoint's model, or None for any other model."""
    return (
        TrainingJob.objects.filter(company=endpoint.company)
        .filter(Q(cpu_version=endpoint.version) | Q(npu_version=endpoint.version))
        .select_related("data_check")
        .order_by("-pk")
        .first()
    )


def newer_data(job):
    # The data check model is reached through the job's own relation: deployment does not
    # import the diagnosis app that defines it.
    checks = TrainingJob._meta.get_field("data_check").related_model.objects
    candidates = checks.for_company(job.company).filter(created_at__gt=job.data_check.created_at)
    for check in candidates.order_by("-created_at")[:20]:
        if check.is_ready and any(c["name"] == job.target for c in check.columns):
            return check
    return None


def retrain_plan(endpoint):
    """{"possible", "reason", "job", "check"} for the health page."""
    job = source_job(endpoint)
    if job is None:
        return {
            "possible": False,
            "reason": _(
                "This model was not trained on OneStop, so it cannot be retrained here: ask its "
                "vendor for a newer version, or train your own from a data check."
            ),
        }
    check = newer_data(job)
    if check is None:
        return {
            "possible": False,
            "job": job,
            "reason": _(
                "Retraining learns from newer data: upload a data check with the column "
                "“%(target)s” first."
            )
            % {"target": job.target},
        }
    return {"possible": True, "job": job, "check": check, "reason": ""}


def retrain_start(*, endpoint, user):
    plan = retrain_plan(endpoint)
    if not plan["possible"]:
        raise ValidationError(plan["reason"])
    job, check = plan["job"], plan["check"]
    names = {column["name"] for column in check.columns}
    return training_start(
        check=check,
        user=user,
        target=job.target,
        excluded=[name for name in job.excluded if name in names],
        family=job.family,
        budget_unit_hours=job.budget_unit_hours,
        units=job.units,
    )
