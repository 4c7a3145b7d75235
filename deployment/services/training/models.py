"""A finished job's model in the company's private catalog: its CPU form and, when it could be
made, its NPU-ready form (standard operators, static batch sizes), which the NPU pools take."""

from django.utils.translation import gettext as _

from deployment.models import TrainingJob


def model_file(job, form):
    """The file of the job's ``form`` ("cpu" or "npu"), or None."""
    key = "sha256" if form == "cpu" else "npu_sha256"
    sha256 = str(((job.result or {}).get("model") or {}).get(key) or "")
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        return None
    path = job.data_check.folder / "models" / f"{sha256}.onnx"
    return path if path.exists() else None


def register_trained(job):
    from diagnosis.services.datachecks import register_own_models

    forms = [(model_file(job, "cpu"), "")]
    npu = model_file(job, "npu")
    if npu is not None:
        forms.append((npu, "-npu"))
    name = _("%(file)s · %(target)s (trained)") % {
        "file": job.data_check.original_name,
        "target": job.target,
    }
    versions = register_own_models(
        check=job.data_check,
        user=job.requested_by,
        result=job.result,
        forms=[form for form in forms if form[0] is not None],
        name=name[:200],
        kind="training",
        source_id=job.pk,
    )
    cpu = versions[0] if versions else None
    npu_version = versions[1] if len(versions) > 1 else None
    TrainingJob.objects.filter(pk=job.pk).update(cpu_version=cpu, npu_version=npu_version)
    job.cpu_version, job.npu_version = cpu, npu_version
    return versions
