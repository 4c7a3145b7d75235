"""Data checks for tests: uploaded through the service, profiled and studied for real."""

import functools

from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.models import DataCheck, FeasibilityStudy
from diagnosis.services import datachecks


def small_csv(rows=120):
    lines = ["시각,온도,진동,불량"]
    for i in range(rows):
        stamp = f"2024-06-01 {i // 60:02d}:{i % 60:02d}:00"
        lines.append(f"{stamp},{60 + (i * 7) % 11},{(i * 3) % 5},{int(i % 6 == 0)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def uploaded_check(company, user, content=None, name="sample.csv", profile=True):
    """A data check as the portal creates it; profiled inline (the test's transaction never
    commits, so the queued task would not run)."""
    upload = SimpleUploadedFile(name, content if content is not None else small_csv())
    check = datachecks.data_check_create(company=company, user=user, upload=upload)
    if profile:
        datachecks.data_check_profile(check.pk)
    return DataCheck.objects.get(pk=check.pk)


def studied(check, user, target="불량"):
    study = datachecks.study_request(check=check, user=user, target=target)
    datachecks.study_run(study.pk)
    return FeasibilityStudy.objects.get(pk=study.pk)


@functools.cache
def _finished_study_result():
    """One real study on the small sample, run once per test process."""
    import tempfile

    from diagnosis.datacheck.feasibility import run_study
    from diagnosis.datacheck.profile import NORMALISED_NAME, profile_file

    with tempfile.TemporaryDirectory() as work:
        path = f"{work}/sample.csv"
        with open(path, "wb") as f:
            f.write(small_csv())
        profile = profile_file(path, work)
        return run_study(f"{work}/{NORMALISED_NAME}", profile, target="불량")


def finished_study(check, user):
    """A finished study with its model file, without paying for the study again: for tests
    about who may see it, not about what it found."""
    result, onnx_bytes = _finished_study_result()
    study = FeasibilityStudy.objects.create(
        data_check=check,
        target="불량",
        requested_by=user,
        status="ready",
        result=result,
        model_sha256=result["model"]["sha256"],
    )
    study.model_path.parent.mkdir(parents=True, exist_ok=True)
    study.model_path.write_bytes(onnx_bytes)
    return study


class DataCheckObjects:
    """For company A and B: a profiled check with a finished study, uploaded by the owner."""

    def __init__(self, world):
        self.check_a = uploaded_check(world.company_a, world.owner_a)
        self.check_b = uploaded_check(world.company_b, world.owner_b)
        self.study_a = finished_study(self.check_a, world.owner_a)
        self.study_b = finished_study(self.check_b, world.owner_b)


def datacheck_objects(world):
    if not hasattr(world, "_datachecks"):
        world._datachecks = DataCheckObjects(world)
    return world._datachecks
