"""The data check as a company and its consultant use it: upload, profile, study, share,
export, delete, expire."""

import csv
import io
import json
import re
from datetime import timedelta

import onnx
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from diagnosis.datacheck import errors
from diagnosis.models import DataCheck, FeasibilityStudy
from diagnosis.services.datachecks import data_checks_purge_expired
from onestop.models import AuditEntry
from tests import datacheck_files as files
from tests.datacheck_factories import uploaded_check


@pytest.fixture
def upload(owner_client, django_capture_on_commit_callbacks):
    """Post a file as the portal's form does; queued jobs run when the request commits."""

    def post(path, name=None, json_reply=False, client=owner_client, **data):
        headers = {"HTTP_ACCEPT": "application/json"} if json_reply else {}
        with open(path, "rb") as f, django_capture_on_commit_callbacks(execute=True):
            handle = io.BytesIO(f.read())
            handle.name = name or path.name
            return client.post(
                reverse("diagnosis:data_upload"), {"file": handle, **data}, **headers
            )

    return post


def test_the_ai4i_file_is_profiled_and_shown(upload, owner_client, world):
    response = upload(files.AI4I)
    check = DataCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/data/{check.pk}/"
    assert check.status == "ready"
    assert check.progress == 100
    assert check.company == world.company_a
    assert check.uploaded_by == world.owner_a
    assert check.profile["rows"] == 10_000
    assert len(check.columns) == 14
    assert check.readiness["label"] == "Machine_failure"
    page = owner_client.get(response["Location"]).content.decode()
    assert "10,000" in page
    assert "Machine_failure" in page
    assert "Torque [Nm]" in page
    assert f"{check.readiness_score}</span> / 100" in page
    assert '<svg class="histogram"' in page
    status = owner_client.get(reverse("diagnosis:data_check_status", args=[check.pk])).json()
    assert status["status"] == "ready"
    assert status["progress"] == 100
    assert AuditEntry.objects.filter(action="datacheck.upload", company=world.company_a).exists()


def test_the_upload_answers_json_for_the_progress_bar(upload):
    response = upload(files.AI4I, json_reply=True)
    assert response.status_code == 201
    assert response.json()["url"] == f"/data/{DataCheck.objects.get().pk}/"


def test_an_upload_without_a_file_says_so(owner_client):
    response = owner_client.post(reverse("diagnosis:data_upload"), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_a_file_over_the_limit_is_stopped_while_streaming(upload, settings, tmp_path):
    settings.ONESTOP_MAX_UPLOAD_BYTES = 4096
    response = upload(files.AI4I, json_reply=True)
    assert response.status_code == 400
    assert "4.0 KB" in response.json()["error"]["message"]
    assert DataCheck.objects.count() == 0
    assert list(settings.ONESTOP_DATA_ROOT.rglob("source")) == []  # nothing kept


def test_a_pickle_named_csv_fails_with_the_reason_on_the_page(upload, owner_client, tmp_path):
    upload(files.pickle_as_csv(tmp_path / "data.csv"))
    check = DataCheck.objects.get()
    assert check.status == "failed"
    with translation.override(check.language):
        assert check.error == str(errors.PICKLE)
    page = owner_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert check.error.split("(")[0] in page.replace("&#x27;", "'")


def test_an_excel_workbook_uploaded_in_the_portal_is_profiled(upload, owner_client, tmp_path):
    # The stored upload has no extension; what it is comes from its bytes.
    response = upload(files.merged_header_xlsx(tmp_path / "생산실적.xlsx"))
    check = DataCheck.objects.get()
    assert check.status == "ready", check.error
    assert check.profile["format"]["kind"] == "xlsx"
    assert check.profile["rows"] == 30
    assert [c["name"] for c in check.columns] == [
        "품번",
        "온도 상단",
        "온도 하단",
        "압력 입구",
        "압력 출구",
    ]
    assert "온도 상단" in owner_client.get(response["Location"]).content.decode()


def test_a_file_with_100000_columns_fails_at_once_with_the_reason(upload, owner_client, tmp_path):
    upload(files.wide_csv(tmp_path / "wide.csv"))
    check = DataCheck.objects.get()
    assert check.status == "failed"
    assert "100,000" in check.error
    assert "1,000" in check.error
    page = owner_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert "100,000" in page


def test_a_failed_check_can_be_tried_again(
    upload, owner_client, tmp_path, django_capture_on_commit_callbacks
):
    upload(files.random_bytes(tmp_path / "noise.csv"))
    check = DataCheck.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("diagnosis:data_check_retry", args=[check.pk]))
    check.refresh_from_db()
    assert check.status == "failed"
    assert check.error


def test_a_study_runs_and_its_model_downloads_as_onnx(
    upload, owner_client, django_capture_on_commit_callbacks
):
    upload(files.AI4I)
    check = DataCheck.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("diagnosis:study_start", args=[check.pk]), {"target": "Machine_failure"}
        )
    study = FeasibilityStudy.objects.get()
    assert study.status == "ready"
    assert study.result["verdict"] == "clear"
    page = owner_client.get(reverse("diagnosis:data_check", args=[check.pk])).content.decode()
    assert 'data-testid="study-summary"' in page
    assert "ROC-AUC" in page
    response = owner_client.get(reverse("diagnosis:study_model", args=[check.pk, study.pk]))
    model = onnx.load_from_string(b"".join(response.streaming_content))
    assert [i.name for i in model.graph.input] == ["input"]
    assert study.model_path.name == f"{study.model_sha256}.onnx"


def test_a_study_on_an_unknown_column_is_refused(owner_client, world):
    check = uploaded_check(world.company_a, world.owner_a)
    response = owner_client.post(
        reverse("diagnosis:study_start", args=[check.pk]), {"target": "nope"}, follow=True
    )
    assert "nope" in response.content.decode()
    assert FeasibilityStudy.objects.count() == 0


def test_consultants_see_the_profile_but_rows_only_when_shared(owner_client, world):
    check = uploaded_check(world.company_a, world.owner_a)
    consultant = Client()
    consultant.force_login(world.consultant_a)
    url = reverse("diagnosis:consultant_data_check", args=[check.pk])
    page = consultant.get(url).content.decode()
    assert "온도" in page
    assert 'id="preview-title"' not in page
    owner_client.post(reverse("diagnosis:data_check_share", args=[check.pk]), {"share": "1"})
    assert 'id="preview-title"' in consultant.get(url).content.decode()
    owner_client.post(reverse("diagnosis:data_check_share", args=[check.pk]), {"share": "0"})
    assert 'id="preview-title"' not in consultant.get(url).content.decode()
    actions = list(
        AuditEntry.objects.filter(target_id=str(check.pk)).values_list("action", flat=True)
    )
    assert {"datacheck.share_rows", "datacheck.unshare_rows"} <= set(actions)


def test_delete_removes_the_file_and_everything_derived(
    owner_client, world, django_capture_on_commit_callbacks
):
    from tests.datacheck_factories import finished_study

    check = uploaded_check(world.company_a, world.owner_a)
    study = finished_study(check, world.owner_a)
    folder = check.folder
    assert (folder / "source").exists()
    assert (folder / "normalised.parquet").exists()
    assert study.model_path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(reverse("diagnosis:data_check_delete", args=[check.pk]))
    assert response.status_code == 302
    assert not folder.exists()
    assert DataCheck.objects.count() == 0
    assert FeasibilityStudy.objects.count() == 0
    assert AuditEntry.objects.filter(action="datacheck.delete").exists()


def test_the_uploader_may_delete_their_own_check(world, django_capture_on_commit_callbacks):
    check = uploaded_check(world.company_a, world.member_a)
    member = Client()
    member.force_login(world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            member.post(reverse("diagnosis:data_check_delete", args=[check.pk])).status_code == 302
        )
    assert not DataCheck.objects.exists()


def test_expired_checks_are_purged_with_their_files(world):
    old = uploaded_check(world.company_a, world.owner_a)
    kept = uploaded_check(world.company_a, world.owner_a)
    DataCheck.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert data_checks_purge_expired() == 1
    assert not old.folder.exists()
    assert kept.folder.exists()
    assert list(DataCheck.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_per_company_limit_is_explained(upload, settings, world):
    settings.ONESTOP_DATA_CHECKS_PER_COMPANY = 1
    uploaded_check(world.company_a, world.owner_a)
    response = upload(files.AI4I, json_reply=True)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "회사당 데이터 진단은 최대 1건까지 보관할 수 있습니다. 먼저 이전 진단을 삭제하세요."
    )
    assert DataCheck.objects.count() == 1


def test_the_profile_export_escapes_formula_cells(owner_client, world, tmp_path):
    check = uploaded_check(
        world.company_a, world.owner_a, content=files.formula_csv(tmp_path / "f.csv").read_bytes()
    )
    text = owner_client.get(reverse("diagnosis:data_check_csv", args=[check.pk])).content.decode(
        "utf-8-sig"
    )
    lines = text.splitlines()
    assert next(csv.reader(lines[1:]))[0] == '\'=HYPERLINK("http://x")'
    assert "'@name" in text
    assert "'+cmd0 (15)" in text
    for row in csv.reader(lines[1:]):
        for cell in row:
            # Computed numbers (a minimum of -2.0) stay numbers: they cannot carry a formula.
            if re.fullmatch(r"-\d+(\.\d+)?(e[-+]?\d+)?", cell):
                continue
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_data_home_lists_uploads_and_explains_when_empty(owner_client, world):
    page = owner_client.get(reverse("diagnosis:data_home")).content.decode()
    assert 'class="empty-state"' in page
    uploaded_check(world.company_a, world.owner_a, name="라인1.csv")
    page = owner_client.get(reverse("diagnosis:data_home")).content.decode()
    assert "라인1.csv" in page


def test_profile_data_command_prints_json(capsys):
    out = io.StringIO()
    call_command(
        "profile_data", str(files.AI4I), "--target", "Machine_failure", "--json", stdout=out
    )
    data = json.loads(out.getvalue())
    assert (data["format"], data["encoding"], data["delimiter"], data["decimal"]) == (
        "csv",
        "utf-8",
        ",",
        ".",
    )
    assert data["rows"] == 10_000
    assert len(data["columns"]) == 14
    assert {"name": "Type", "type": "category", "missing": 0} in data["columns"]
    assert data["duplicates"] == 0
    assert 0 < data["readiness_score"] <= 100
    failure = next(c for c in data["profile"]["columns"] if c["name"] == "Machine_failure")
    assert {t["value"]: t["count"] for t in failure["top"]}[True] == 339
    study = data["feasibility"]
    assert [leak["column"] for leak in study["leaks"]] == ["TWF", "HDF", "PWF", "OSF", "RNF"]
    assert study["scores"][study["best"]]["roc_auc"] > 0.9


def test_profile_data_command_refuses_bad_files_with_the_portal_message(tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("profile_data", str(files.pickle_as_csv(tmp_path / "x.csv")))
    assert str(caught.value) == str(errors.PICKLE)
    with pytest.raises(CommandError, match="No such file"):
        call_command("profile_data", str(tmp_path / "missing.csv"))


def test_the_report_shows_where_self_report_and_data_disagree(owner_client, world):
    from tests.diagnosis_factories import submitted_assessment

    assessment = submitted_assessment(world.company_a, world.owner_a, maturity=0.95, seed=3)
    url = reverse("diagnosis:report", args=[assessment.pk])
    before = owner_client.get(url).content.decode().split('data-testid="data-evidence"')[1]
    assert 'class="empty-state"' in before.split("</section>")[0]
    # Forty rows, a third of the readings missing and no outcome column: weak data.
    lines = ["temperature,pressure"] + [
        f"{'' if i % 3 == 0 else 20 + i % 5},{i % 7}" for i in range(40)
    ]
    check = uploaded_check(world.company_a, world.owner_a, content="\n".join(lines).encode())
    self_score = assessment.result.dimensions["data"]
    assert self_score - check.readiness_score > 15
    page = owner_client.get(url).content.decode()
    assert f"{self_score:.0f} / 100" in page
    assert f"{check.readiness_score} / 100" in page
    assert reverse("diagnosis:data_check", args=[check.pk]) in page
    assert 'class="warning"' in page.split('data-testid="data-evidence"')[1].split("</section>")[0]


def test_the_admin_lists_checks_of_the_consultants_companies_only(world):
    check_a = uploaded_check(world.company_a, world.owner_a, name="a-line.csv")
    uploaded_check(world.company_b, world.owner_b, name="b-line.csv")
    url = reverse("admin:diagnosis_datacheck_changelist")
    consultant = Client()
    consultant.force_login(world.consultant_a)
    page = consultant.get(url).content.decode()
    assert "a-line.csv" in page
    assert "b-line.csv" not in page
    detail = consultant.get(reverse("admin:diagnosis_datacheck_change", args=[check_a.pk]))
    assert detail.status_code == 200
    assert "시각" not in detail.content.decode()


def test_a_study_that_breaks_fails_with_a_reason_and_keeps_the_upload(world):
    from diagnosis.services import datachecks

    check = uploaded_check(world.company_a, world.owner_a)
    (check.folder / "normalised.parquet").unlink()  # the typed copy is gone
    study = datachecks.study_request(check=check, user=world.owner_a, target="불량")
    assert datachecks.study_run(study.pk) == "failed"
    study.refresh_from_db()
    assert study.status == "failed"
    with translation.override(study.language):
        assert study.error == translation.gettext(datachecks.UNEXPECTED)
    assert check.source_path.exists()
    assert datachecks.study_run(study.pk) is None  # a redelivered task leaves it alone


def test_a_finished_study_adds_a_private_model_to_the_catalog(
    upload, owner_client, world, django_capture_on_commit_callbacks
):
    from deployment.models import ModelFamily, ModelVersion

    upload(files.AI4I)
    check = DataCheck.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            reverse("diagnosis:study_start", args=[check.pk]), {"target": "Machine_failure"}
        )
    family = ModelFamily.objects.get()
    assert family.company == world.company_a
    assert family.visibility == "private"
    assert family.task == "binary"
    assert "predictive_maintenance" in family.use_cases
    study = FeasibilityStudy.objects.get()
    version = ModelVersion.objects.get(version=f"study-{study.pk}")
    assert version.state == "published", version.reason
    assert version.origin == f"study:{study.pk}"
    assert {"name": "Type", "type": "category", "value": "L"} in version.input_columns
    assert {"name": "Torque [Nm]", "type": "number"} in version.input_columns
    assert version.claimed_metrics["roc_auc"] > 0.9
    assert "cpu" in version.flavors
    assert "rbln-atom" not in version.flavors
    # Its NPU-ready form (standard operators only) is a version too, which the NPUs take.
    npu = ModelVersion.objects.get(version=f"study-{study.pk}-npu")
    assert npu.state == "published", npu.reason
    assert npu.family == version.family
    assert {"rbln-atom", "furiosa-rngd"} <= set(npu.flavors)
    assert npu.input_columns == version.input_columns
    assert study.result["model"]["npu_check"]["matches"]
    assert not ModelFamily.objects.visible_to_company(world.company_b).exists()
