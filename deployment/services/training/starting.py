"""Starting and stopping training jobs: the checks a person's request must pass, the GPU pool
the job runs on, and its workload submitted to the allocation engine."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from deployment.models import ComputePool, Grant, TrainingJob, Workload
from deployment.models.compute import FLAVOR_SPECS
from deployment.services.allocation import grant_create, workload_submit
from onestop.models import Company
from onestop.services.audit import audit_on_behalf, audit_record, audit_snapshot

GPU_FLAVORS = [flavor for flavor, spec in FLAVOR_SPECS.items() if spec["kind"] == "gpu"]
TARGET_KINDS = ("number", "category", "boolean")


def training_pool(company, now=None):
    """(pool, grant) for a company's next job: the GPU pool of its active grant with the
    largest guarantee, or else an available GPU pool where it borrows (grant None: one of no
    guaranteed units is issued with the job). None when no GPU pool takes training."""
    now = now or timezone.now()
    grants = (
        Grant.objects.filter(
            company=company, starts_at__lte=now, ends_at__gt=now, pool__flavor__in=GPU_FLAVORS
        )
        .exclude(pool__purpose=ComputePool.Purpose.INFERENCE)
        .select_related("pool")
        .order_by("-guarantee_units", "pk")
    )
    for grant in grants:
        return grant.pool, grant
    pools = ComputePool.objects.filter(flavor__in=GPU_FLAVORS).exclude(
        purpose=ComputePool.Purpose.INFERENCE
    )
    available = [pool for pool in pools.order_by("-capacity_units", "pk") if pool.is_available]
    taken = set(
        Grant.objects.filter(company=company, ends_at__gt=now).values_list("pool_id", flat=True)
    )
    free = [pool for pool in available if pool.pk not in taken]
    return (free[0], None) if free else (None, None)


def validate_request(check, target, excluded, family, budget_unit_hours, units):
    if not check.is_ready:
        raise ValidationError(_("The data check must finish before a model can be trained."))
    columns = {column["name"]: column for column in check.columns}
    if target not in columns:
        raise ValidationError(_("There is no column called '%(name)s'.") % {"name": target})
    if columns[target]["kind"] not in TARGET_KINDS:
        raise ValidationError(
            _("'%(name)s' cannot be predicted: choose a number, a category or a yes/no column.")
            % {"name": target}
        )
    unknown = [name for name in excluded if name not in columns]
    if unknown:
        raise ValidationError(_("There is no column called '%(name)s'.") % {"name": unknown[0]})
    if family not in TrainingJob.Family.values:
        raise ValidationError(_("Choose a model family."))
    most = settings.ONESTOP_TRAINING_MAX_BUDGET_UNIT_HOURS
    if not 1 <= budget_unit_hours <= most:
        raise ValidationError(
            _("The budget must be between 1 and %(most)s unit-hours.") % {"most": most}
        )
    if not 1 <= units <= settings.ONESTOP_TRAINING_MAX_UNITS:
        raise ValidationError(
            _("A job uses between 1 and %(most)s units.")
            % {"most": settings.ONESTOP_TRAINING_MAX_UNITS}
        )


def training_start(
    *, check, user, target, excluded=(), family, budget_unit_hours, units=1, on_behalf=False
):
    """A training job on the company's GPU pool, submitted to the allocation engine as
    preemptible work. It starts as soon as the engine admits it (at once when units are idle)
    and waits in the queue otherwise. ``on_behalf``: ``user`` is a consultant who starts it in
    the company's place, and the log says so."""
    excluded = [name for name in dict.fromkeys(excluded) if name != target]
    validate_request(check, target, excluded, family, budget_unit_hours, units)
    company = check.company
    with transaction.atomic():
        # The company row serialises its requests: the per-company limit holds under races.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        if TrainingJob.objects.for_company(company).active().count() >= (
            settings.ONESTOP_TRAINING_JOBS_AT_ONCE
        ):
            raise ValidationError(
                _(
                    "%(limit)s training jobs are already running or waiting for your company. "
                    "Wait for one to finish, or stop one."
                )
                % {"limit": settings.ONESTOP_TRAINING_JOBS_AT_ONCE}
            )
        pool, grant = training_pool(company)
        if pool is None:
            raise ValidationError(
                _(
                    "No GPU pool takes training jobs at the moment. Try again later, or ask the "
                    "OneStop desk."
                )
            )
        if units > pool.capacity_units:
            raise ValidationError(
                _("The pool has %(capacity)s units; a job cannot use %(units)s.")
                % {"capacity": pool.capacity_units, "units": units}
            )
        if grant is None:
            borrow_only(company, pool, user)
        elif grant.borrow_limit is not None and units > grant.guarantee_units + grant.borrow_limit:
            raise ValidationError(
                _(
                    "Your grant on %(pool)s lets a job use at most %(most)s units at once; ask "
                    "for fewer."
                )
                % {"pool": pool.name, "most": grant.guarantee_units + grant.borrow_limit}
            )
        job = TrainingJob.objects.create(
            company=company,
            data_check=check,
            requested_by=user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            target=target,
            excluded=excluded,
            family=family,
            units=units,
            budget_unit_hours=budget_unit_hours,
            pool=pool,
            steps=settings.ONESTOP_TRAINING_STEPS,
            progress_message=_("Waiting for GPU units"),
        )
        audit_record(
            action="training.start",
            target=job,
            actor=user,
            after=audit_snapshot(job),
            company=company,
        )
        if on_behalf:
            audit_on_behalf(action="training", target=job, consultant=user, company=company)
        job.workload = workload_submit(
            company=company,
            pool=pool,
            name=f"{target} #{job.pk}"[:200],  # read with its kind: the pages say "training"
            kind=Workload.Kind.TRAINING,
            units=units,
        )
        job.save(update_fields=["workload"])
    job.refresh_from_db()
    return job


def borrow_only(company, pool, user):
    """A grant of no guaranteed units: the company may borrow idle units of others'
    guarantees (which their owners take back when they need them), as many as its jobs may
    hold at once, nothing more."""
    now = timezone.now()
    return grant_create(
        company=company,
        pool=pool,
        guarantee_units=0,
        starts_at=now,
        ends_at=now + timedelta(days=settings.ONESTOP_TRAINING_BORROW_DAYS),
        borrow_limit=settings.ONESTOP_TRAINING_MAX_UNITS * settings.ONESTOP_TRAINING_JOBS_AT_ONCE,
        user=user,
    )


def training_stop(*, job, user, reason=None):
    """Stop a job for good: its run ends at its next checkpoint, its units go back. Without a
    person (``user`` None), ``reason`` says why."""
    from deployment.services.preemptible import job_stop

    return job_stop(job=job, user=user, reason=reason, action="training.stop")
