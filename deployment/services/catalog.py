"""The model catalog: families, versions stored by content hash, validation in the sandbox,
and the company's own models from its feasibility studies."""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import ModelFamily, ModelVersion
from deployment.models.catalog import artifact_path
from deployment.validation.sandbox import SandboxLimits, validate_file
from onestop.constraints import constraint_refuses
from onestop.services.audit import audit_record, audit_snapshot

COPY_CHUNK = 1024 * 1024
VALIDATION_FIELDS = (
    "state",
    "reason",
    "ir_version",
    "opsets",
    "signature",
    "latency_ms",
    "flavors",
    "flavor_notes",
    "validated_at",
)


def sandbox_limits():
    return SandboxLimits(
        memory_bytes=settings.ONESTOP_ONNX_VALIDATION_MEMORY_BYTES,
        cpu_seconds=settings.ONESTOP_ONNX_VALIDATION_CPU_SECONDS,
        wall_seconds=settings.ONESTOP_ONNX_VALIDATION_WALL_SECONDS,
    )


def store_artifact(chunks):
    """Stream chunks to the model store; returns (sha256, size). The same bytes are one file."""
    incoming = settings.ONESTOP_MODEL_ROOT / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    temporary = incoming / uuid.uuid4().hex
    digest, size = hashlib.sha256(), 0
    try:
        with open(temporary, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.ONESTOP_MAX_MODEL_BYTES:
                    raise ValidationError(
                        _("The model is larger than the %(limit)s MB limit.")
                        % {"limit": settings.ONESTOP_MAX_MODEL_BYTES // (1024 * 1024)}
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        target = artifact_path(sha)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            temporary.unlink()
        else:
            temporary.replace(target)
        return sha, size
    finally:
        temporary.unlink(missing_ok=True)


class ValidationQueueFull(ValidationError):
    """The partner already has as many versions waiting for validation as it may."""


def validations_queued_check(vendor):
    """Refuse a partner's next upload while ``ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER`` of its
    versions wait for or are under validation: one partner's flood of hostile models cannot
    hold every validation worker. Companies' own models (from studies) are not capped here."""
    if vendor is None:
        return
    limit = settings.ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER
    queued = ModelVersion.objects.filter(
        family__vendor=vendor,
        state__in=(ModelVersion.State.UPLOADED, ModelVersion.State.VALIDATING),
    ).count()
    if queued >= limit:
        raise ValidationQueueFull(
            _(
                "%(queued)s of your model versions are still waiting for validation, the most "
                "at once. Upload the next one when one of them is published or rejected."
            )
            % {"queued": queued},
            code="validation_queue_full",
        )


def file_chunks(path):
    with open(path, "rb") as f:
        while chunk := f.read(COPY_CHUNK):
            yield chunk


def version_create(
    *,
    family,
    version,
    chunks,
    claimed_metrics=None,
    input_columns=None,
    origin="",
    user=None,
    api_key=None,
    reference=None,
):
    """Store the artifact and queue its validation; the version is usable once published.
    ``reference`` is the profile of the data it learnt from (``deployment.health.reference``).

    1. Refuse a duplicate version, or a partner whose validation queue is full, before
       writing anything to the model store.
    2. Store the artifact (by content hash).
    3. Under a lock on the partner, check its queue again (two uploads at once), then create
       the version and queue its validation once the transaction commits."""
    from deployment.tasks import validate_model_version
    from onestop.models import Partner

    if ModelVersion.objects.filter(family=family, version=version).exists():
        raise ValidationError(
            {"version": _("This model already has a version '%(v)s'.") % {"v": version}}
        )
    validations_queued_check(family.vendor)
    sha, size = store_artifact(chunks)
    with transaction.atomic():
        if family.vendor_id is not None:
            Partner.objects.select_for_update().filter(pk=family.vendor_id).first()
            validations_queued_check(family.vendor)
        created = ModelVersion.objects.create(
            family=family,
            version=version,
            sha256=sha,
            size=size,
            claimed_metrics=claimed_metrics or {},
            input_columns=input_columns or [],
            reference=reference or {},
            origin=origin,
            uploaded_by=user if user is not None and user.is_authenticated else None,
        )
        audit_record(
            action="model.upload",
            target=created,
            actor=user,
            api_key=api_key,
            after=audit_snapshot(created),
            company=family.company,
            partner=family.vendor,
        )
        validate_model_version.delay_on_commit(created.pk)
    return created


def version_validate(version_id):
    """The validation job: claim the version, run the sandbox, publish or reject with reason."""
    claimed = ModelVersion.objects.filter(
        pk=version_id, state__in=(ModelVersion.State.UPLOADED, ModelVersion.State.VALIDATING)
    ).update(state=ModelVersion.State.VALIDATING)
    if not claimed:
        return None
    version = ModelVersion.objects.get(pk=version_id)
    report = validate_file(version.artifact_path, sandbox_limits())
    if report.get("accepted") and report.get("sha256") != version.sha256:
        report = {"accepted": False, "reason": "the stored file changed after upload"}
    version.validated_at = timezone.now()
    if report.get("accepted"):
        version.state = ModelVersion.State.PUBLISHED
        version.reason = ""
        version.ir_version = report["ir_version"]
        version.opsets = report["opsets"]
        version.signature = report["signature"]
        version.latency_ms = report["latency_ms"]
        version.flavors = [f["flavor"] for f in report["flavors"] if f["fits"]]
        version.flavor_notes = report["flavors"]
    else:
        version.state = ModelVersion.State.REJECTED
        version.reason = report["reason"]
    version.save(update_fields=VALIDATION_FIELDS)
    return version.state


def family_create(*, vendor=None, company=None, user=None, api_key=None, **fields):
    family = ModelFamily(
        vendor=vendor,
        company=company,
        visibility=ModelFamily.Visibility.PRIVATE if company else ModelFamily.Visibility.PUBLIC,
        **fields,
    )
    if constraint_refuses(family, "model_family_unique_per_vendor"):
        raise ValidationError({"name": [_("You already have a model with this name.")]})
    family.full_clean()
    with transaction.atomic():
        family.save()
        audit_record(
            action="model.create",
            target=family,
            actor=user,
            api_key=api_key,
            after=audit_snapshot(family),
            company=company,
            partner=vendor,
        )
    return family


OWN_MODEL_DESCRIPTIONS = {
    "study": (
        "데이터 진단의 실현 가능성 검토에서 학습한 우리 회사 전용 모델입니다.",
        "The company's own model, trained by the data check's feasibility study.",
    ),
    "training": (
        "데이터 진단의 파일로 GPU 학습 작업이 학습한 우리 회사 전용 모델입니다.",
        "The company's own model, trained on the data check's file by a GPU training job.",
    ),
}


def private_model_from_study(
    *,
    company,
    user,
    onnx_path,
    name,
    task,
    use_cases,
    input_columns,
    metrics,
    study_id,
    suffix="",
    kind="study",
    reference=None,
):
    """A company's own model (its feasibility study's best baseline, or a training job's
    model: ``kind`` "training") as a private version; ``suffix`` "-npu" names its NPU-ready
    form."""
    family = ModelFamily.objects.filter(company=company, name=name).first()
    if family is None:
        description_ko, description_en = OWN_MODEL_DESCRIPTIONS[kind]
        family = family_create(
            company=company,
            user=user,
            name=name,
            task=task,
            use_cases=use_cases,
            description_ko=description_ko,
            description_en=description_en,
            licence="company-owned",
            domestic=True,
        )
    return version_create(
        family=family,
        version=f"{kind}-{study_id}{suffix}",
        chunks=file_chunks(onnx_path),
        claimed_metrics=metrics,
        input_columns=input_columns,
        origin=f"{kind}:{study_id}",
        user=user,
        reference=reference,
    )
