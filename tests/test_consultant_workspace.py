"""Acting on a client's behalf: a consultant enters a member's diagnosis answers on a visit,
uploads a data file with the owner's consent, starts a study or a training job, and drafts an
application that the owner submits. Each action is audited as the consultant's, for the
company; each is refused (404) for a company the consultant does not work on; an upload
without consent in force is refused."""

import time
from datetime import timedelta

import pytest
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deployment.models import TrainingJob
from deployment.services import allocation
from diagnosis.models import (
    Answer,
    ApplicationDraft,
    Assessment,
    DataCheck,
    FeasibilityStudy,
    Respondent,
    UploadConsent,
)
from diagnosis.workspace import onbehalf
from diagnosis.workspace.consent import consent_grant
from onestop.models import Application, AuditEntry, ConsultantAssignment
from onestop.registry import flavor_label
from onestop.services.assignment import consultant_assign
from tests import deployment_factories as make
from tests.datacheck_factories import small_csv, uploaded_check
from tests.diagnosis_factories import open_assessment, publish
from tests.test_concurrency import run_together
from tests.workspace_factories import draft, signed_in

TODAY = timezone.localdate
ENGLISH = {"Accept-Language": "en"}  # where a test reads what a message says


@pytest.fixture
def consultant(world):
    return signed_in(world.consultant_a)


@pytest.fixture
def stranger(world):
    """A consultant who does not work on company A."""
    return signed_in(world.consultant_other)


def on_behalf(action, **filters):
    return AuditEntry.objects.on_behalf().filter(action=f"on_behalf.{action}", **filters)


def assert_audited(action, consultant, company, target):
    entry = on_behalf(action).get()
    assert entry.actor == consultant
    assert entry.company == company
    assert entry.target_id == str(target.pk)
    assert entry.after["on_behalf"] is True
    return entry


def errors_of(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]


# --- diagnosis answers on a visit ----------------------------------------------------------


def test_answers_entered_on_a_visit_are_the_members_and_audited_as_the_consultants(
    world, consultant
):
    publish()
    started = consultant.post(
        reverse("diagnosis:visit_answers", args=[world.company_a.pk]),
        {"member": world.member_a.pk},
    )
    # No assessment was open: the company's T0 is started in its name, the member answers.
    assessment = Assessment.objects.get(company=world.company_a)
    assert assessment.stage == "T0"
    respondent = Respondent.objects.get(assessment=assessment)
    assert respondent.user == world.member_a
    assert started["Location"] == reverse(
        "diagnosis:visit_answer_page", args=[respondent.pk, "strategy"]
    )
    assert_audited("assessment_start", world.consultant_a, world.company_a, assessment)

    page = consultant.get(started["Location"])
    assert page.status_code == 200
    assert 'data-testid="on-behalf"' in page.content.decode()
    assert world.member_a.full_name in page.content.decode()
    saved = consultant.post(started["Location"], {"q_digital_strategy": "3", "action": "next"})
    assert saved["Location"] == reverse(
        "diagnosis:visit_answer_page", args=[respondent.pk, "shop_floor"]
    )
    assert Answer.objects.get(respondent=respondent, question="digital_strategy").value == 3
    entry = assert_audited("answers", world.consultant_a, world.company_a, assessment)
    assert entry.after["respondent"] == world.member_a.email
    assert entry.after["answered"] == ["digital_strategy"]

    # "Save and finish" marks the member's answers finished: in the company's place, logged.
    consultant.post(
        reverse("diagnosis:visit_answer_page", args=[respondent.pk, "shop_floor"]),
        {"action": "finish"},
    )
    respondent.refresh_from_db()
    assert respondent.completed_at is not None
    entry = assert_audited("answers_complete", world.consultant_a, world.company_a, assessment)
    assert entry.after["respondent"] == world.member_a.email

    # The member finds the answers as their own when they open the questionnaire.
    member = signed_in(world.member_a)
    mine = member.get(reverse("diagnosis:answer_page", args=[assessment.pk, "strategy"]))
    assert mine.context["questions"][0]["value"] == 3


def test_a_visit_continues_the_open_assessment_and_does_not_start_another(world, consultant):
    assessment = open_assessment(world.company_a, world.owner_a)
    response = consultant.post(
        reverse("diagnosis:visit_answers", args=[world.company_a.pk]),
        {"member": world.owner_a.pk},
    )
    respondent = Respondent.objects.get(assessment=assessment, user=world.owner_a)
    assert response["Location"] == reverse(
        "diagnosis:visit_answer_page", args=[respondent.pk, "strategy"]
    )
    assert Assessment.objects.filter(company=world.company_a).count() == 1
    assert not on_behalf("assessment_start").exists()
    # The owner already answered it; adding the member was done in the company's place.
    assert not on_behalf("respondent_add").exists()
    for _click in range(2):  # a second click finds the respondent and logs nothing more
        consultant.post(
            reverse("diagnosis:visit_answers", args=[world.company_a.pk]),
            {"member": world.member_a.pk},
        )
    assert Respondent.objects.filter(assessment=assessment, user=world.member_a).count() == 1
    entry = assert_audited("respondent_add", world.consultant_a, world.company_a, assessment)
    assert entry.after["respondent"] == world.member_a.email


def test_only_members_answers_are_entered(world, consultant):
    publish()
    response = consultant.post(
        reverse("diagnosis:visit_answers", args=[world.company_a.pk]),
        {"member": world.owner_b.pk},  # of another company
    )
    assert response["Location"] == reverse("diagnosis:workspace", args=[world.company_a.pk])
    assert errors_of(response)
    assert not Assessment.objects.exists()


def test_a_submitted_assessment_takes_no_answers_from_the_desk(world, consultant):
    assessment = open_assessment(world.company_a, world.owner_a)
    respondent = assessment.respondents.get()
    Assessment.objects.filter(pk=assessment.pk).update(
        status="submitted", submitted_at=timezone.now()
    )
    url = reverse("diagnosis:visit_answer_page", args=[respondent.pk, "strategy"])
    response = consultant.post(url, {"q_digital_strategy": "4", "action": "save"})
    assert response.status_code == 302
    assert errors_of(response)
    assert not Answer.objects.filter(question="digital_strategy", value=4).exists()
    assert not on_behalf("answers").exists()


# --- data uploads and consent --------------------------------------------------------------


def upload(client, company, content=None):
    return client.post(
        reverse("diagnosis:consultant_data_upload", args=[company.pk]),
        {"file": SimpleUploadedFile("press.csv", content or small_csv())},
    )


def test_an_upload_without_recorded_consent_is_refused(world, consultant):
    response = upload(consultant, world.company_a)
    assert response["Location"] == reverse("diagnosis:workspace", args=[world.company_a.pk])
    assert errors_of(response)
    assert not DataCheck.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["datacheck.upload", "on_behalf.data_upload"])
    page = consultant.get(response["Location"]).content.decode()
    assert 'data-testid="no-consent"' in page
    assert 'data-testid="upload-form"' not in page


def test_consent_given_on_site_is_recorded_and_the_upload_audited_with_it(world, consultant):
    recorded = consultant.post(
        reverse("diagnosis:consent_record", args=[world.company_a.pk]),
        {"given_by": "김에이 대표", "given_on": TODAY().isoformat(), "how": "현장 서면 동의서"},
    )
    assert recorded.status_code == 302
    consent = UploadConsent.objects.get()
    assert (consent.method, consent.given_by_name, consent.how) == (
        "on_site",
        "김에이 대표",
        "현장 서면 동의서",
    )
    assert consent.consultant == world.consultant_a
    assert AuditEntry.objects.get(action="consent.record").actor == world.consultant_a

    response = upload(consultant, world.company_a)
    check = DataCheck.objects.get()
    assert response["Location"] == reverse("diagnosis:consultant_data_check", args=[check.pk])
    assert (check.company, check.uploaded_by) == (world.company_a, world.consultant_a)
    entry = assert_audited("data_upload", world.consultant_a, world.company_a, check)
    assert entry.after["consent"] == consent.pk
    assert entry.after["consent_given_by"] == "김에이 대표"
    assert AuditEntry.objects.get(action="datacheck.upload").actor == world.consultant_a


def test_on_site_consent_needs_who_and_how(world, consultant):
    response = consultant.post(
        reverse("diagnosis:consent_record", args=[world.company_a.pk]),
        {"given_by": "", "given_on": TODAY().isoformat(), "how": ""},
        headers=ENGLISH,
    )
    assert not UploadConsent.objects.exists()
    assert response["Location"] == reverse("diagnosis:workspace", args=[world.company_a.pk])
    assert errors_of(response) == ["Say who gave the consent, when and how."]


def test_an_owner_grants_consent_in_the_portal_and_a_withdrawn_consent_stops_uploads(
    world, owner_client, consultant
):
    owner_client.post(reverse("diagnosis:consent_grant"), {"consultant": world.consultant_a.pk})
    consent = UploadConsent.objects.get()
    assert (consent.method, consent.granted_by) == ("portal", world.owner_a)
    upload(consultant, world.company_a)
    assert DataCheck.objects.count() == 1

    owner_client.post(reverse("diagnosis:consent_withdraw", args=[consent.pk]))
    refused = upload(consultant, world.company_a)
    assert errors_of(refused)
    assert DataCheck.objects.count() == 1


class Unread:
    """A request body that fails the test when anything reads it."""

    def read(self, *args):
        raise AssertionError("the upload's body was read")

    readline = read


def upload_unread(person, company):
    """An upload that says it carries 150 MB, with the CSRF check on, as a browser sends it;
    its body must not be read for a refusal."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    client.cookies["csrftoken"] = "a" * 32
    return client.generic(
        "POST",
        reverse("diagnosis:consultant_data_upload", args=[company.pk]),
        headers={"X-CSRFToken": "a" * 32, **ENGLISH},
        **{
            "wsgi.input": Unread(),
            "CONTENT_LENGTH": str(150 * 1024 * 1024),
            "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        },
    )


def test_an_upload_is_refused_before_its_body_is_read(world):
    # A company the consultant does not work on: not found, whatever was sent.
    assert upload_unread(world.consultant_other, world.company_a).status_code == 404
    # Their own company, without consent: told how to get it, the file never received.
    refused = upload_unread(world.consultant_a, world.company_a)
    assert refused["Location"] == reverse("diagnosis:workspace", args=[world.company_a.pk])
    assert "No consent to upload data" in errors_of(refused)[0]
    # With consent the upload goes on to read the file (the stream above is live).
    consent_grant(company=world.company_a, consultant=world.consultant_a, owner=world.owner_a)
    with pytest.raises(AssertionError, match="body was read"):
        upload_unread(world.consultant_a, world.company_a)
    assert not DataCheck.objects.exists()


def test_consent_ends_with_the_assignment_and_is_asked_again_after_a_new_one(
    world, owner_client, consultant
):
    owner_client.post(reverse("diagnosis:consent_grant"), {"consultant": world.consultant_a.pk})
    lapsed = UploadConsent.objects.get()
    ConsultantAssignment.objects.filter(consultant=world.consultant_a).delete()
    assert list(owner_client.get(reverse("diagnosis:plan")).context["consents"]) == []
    assert (
        UploadConsent.objects.for_upload(company=world.company_a, consultant=world.consultant_a)
        is None
    )
    # Assigned again: the consent of the earlier assignment does not come back.
    consultant_assign(
        company=world.company_a, consultant=world.consultant_a, assigned_by=world.officer
    )
    refused = upload(consultant, world.company_a)
    assert errors_of(refused)
    assert not DataCheck.objects.exists()
    page = consultant.get(reverse("diagnosis:workspace", args=[world.company_a.pk]))
    assert 'data-testid="no-consent"' in page.content.decode()
    # The owner grants it again; the lapsed one is closed, in the log.
    owner_client.post(reverse("diagnosis:consent_grant"), {"consultant": world.consultant_a.pk})
    lapsed.refresh_from_db()
    assert lapsed.withdrawn_at is not None
    assert AuditEntry.objects.get(action="consent.lapse").target_id == str(lapsed.pk)
    upload(consultant, world.company_a)
    assert DataCheck.objects.count() == 1


def test_an_officer_records_consent_only_for_a_company_they_are_assigned_to(world):
    response = signed_in(world.officer).post(
        reverse("diagnosis:consent_record", args=[world.company_a.pk]),
        {"given_by": "김에이 대표", "given_on": TODAY().isoformat(), "how": "서면"},
        headers=ENGLISH,
    )
    assert "record it once you are assigned" in errors_of(response)[0]
    assert not UploadConsent.objects.exists()


def test_an_owner_cannot_grant_consent_to_a_consultant_who_is_not_theirs(world, owner_client):
    owner_client.post(reverse("diagnosis:consent_grant"), {"consultant": world.consultant_other.pk})
    assert not UploadConsent.objects.exists()


def test_a_member_cannot_grant_consent(world):
    member = signed_in(world.member_a)
    response = member.post(
        reverse("diagnosis:consent_grant"), {"consultant": world.consultant_a.pk}
    )
    assert response.status_code == 403
    assert not UploadConsent.objects.exists()


# --- studies and training jobs -------------------------------------------------------------


@pytest.fixture
def check(world):
    return uploaded_check(world.company_a, world.owner_a)


def test_a_study_started_for_the_company_is_audited_as_the_consultants(world, consultant, check):
    page = consultant.get(reverse("diagnosis:consultant_data_check", args=[check.pk]))
    assert reverse("diagnosis:consultant_study_start", args=[check.pk]) in page.content.decode()
    response = consultant.post(
        reverse("diagnosis:consultant_study_start", args=[check.pk]), {"target": "불량"}
    )
    assert response["Location"] == reverse("diagnosis:consultant_data_check", args=[check.pk])
    study = FeasibilityStudy.objects.get()
    assert study.requested_by == world.consultant_a
    assert_audited("study", world.consultant_a, world.company_a, study)


def test_a_training_job_started_for_the_company_is_audited_as_the_consultants(
    world, consultant, check
):
    pool = make.pool(
        name="H200 대전", flavor="nvidia-h200", purpose="training", capacity_units=4, local=True
    )
    now = timezone.now()
    allocation.grant_create(
        company=world.company_a,
        pool=pool,
        guarantee_units=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    consultant.post(
        reverse("consultant_training_new", args=[check.pk]),
        {"target": "불량", "family": "trees", "budget_unit_hours": "1", "units": "1"},
    )
    job = TrainingJob.objects.get()
    assert_audited("training", world.consultant_a, world.company_a, job)


# --- application drafts --------------------------------------------------------------------


def test_a_drafted_application_is_submitted_by_the_owner_not_the_consultant(
    world, consultant, owner_client
):
    programme = make.programme()
    drafted = consultant.post(
        reverse("diagnosis:application_draft", args=[world.company_a.pk, programme.pk]),
        {
            "flavor": "rbln-atom",
            "units": "2",
            "quarterly_plan": ", ".join(["500"] * 8),
            "purpose": "프레스 고장 예측",
            "note": "3분기 계획은 확인해 주세요.",
        },
    )
    assert drafted["Location"] == reverse("diagnosis:workspace", args=[world.company_a.pk])
    draft = ApplicationDraft.objects.get()
    assert draft.state == "draft"
    assert not Application.objects.exists()  # nothing reaches the programme yet
    assert_audited("application_draft", world.consultant_a, world.company_a, draft)

    plan = owner_client.get(reverse("diagnosis:plan")).content.decode()
    assert reverse("diagnosis:draft_submit", args=[draft.pk]) in plan
    form = owner_client.get(reverse("diagnosis:draft_submit", args=[draft.pk]))
    assert form.context["form"].initial["purpose"] == "프레스 고장 예측"
    assert "3분기 계획은 확인해 주세요." in form.content.decode()
    submitted = owner_client.post(
        reverse("diagnosis:draft_submit", args=[draft.pk]),
        {
            "flavor": "rbln-atom",
            "units": "1",  # the owner changed their mind
            "quarterly_plan": ", ".join(["400"] * 8),
            "purpose": "프레스 고장 예측",
        },
    )
    assert submitted["Location"] == reverse("programmes")
    application = Application.objects.get()
    assert (application.submitted_by, application.units) == (world.owner_a, 1)
    draft.refresh_from_db()
    assert (draft.state, draft.application) == ("submitted", application)
    # Submitted once: the draft's page no longer submits.
    again = owner_client.post(reverse("diagnosis:draft_submit", args=[draft.pk]), {})
    assert again.status_code == 200
    assert Application.objects.count() == 1


def test_the_workspace_names_a_drafts_accelerator_as_people_read_it(world, consultant):
    draft(world.company_a, world.consultant_a, make.programme())
    page = consultant.get(reverse("diagnosis:workspace", args=[world.company_a.pk]))
    label = flavor_label("rbln-atom")
    assert label != "rbln-atom"
    assert f"<td>{label}</td>" in page.content.decode()


def test_a_draft_the_programme_would_refuse_is_not_saved(world, consultant):
    programme = make.programme()
    response = consultant.post(
        reverse("diagnosis:application_draft", args=[world.company_a.pk, programme.pk]),
        {
            "flavor": "rbln-atom",
            "units": "99",  # over the programme's cap per company
            "quarterly_plan": ", ".join(["500"] * 8),
            "purpose": "x",
        },
    )
    assert response.status_code == 400
    assert not ApplicationDraft.objects.exists()


def test_a_member_who_is_not_an_owner_cannot_submit_a_draft(world, consultant):
    programme = make.programme()
    consultant.post(
        reverse("diagnosis:application_draft", args=[world.company_a.pk, programme.pk]),
        {"flavor": "rbln-atom", "units": "2", "quarterly_plan": "1,1,1,1,1,1,1,1", "purpose": "x"},
    )
    member = signed_in(world.member_a)
    draft = ApplicationDraft.objects.get()
    assert member.get(reverse("diagnosis:draft_submit", args=[draft.pk])).status_code == 403


# --- refused for a company the consultant does not work on ---------------------------------


def test_every_action_is_refused_for_a_company_the_consultant_does_not_work_on(
    world, stranger, check
):
    publish()
    company = world.company_a
    # Even with consent on record, the company is not theirs.
    UploadConsent.objects.create(
        company=company,
        consultant=world.consultant_other,
        method="on_site",
        given_by_name="누군가",
        how="구두",
        given_on=TODAY(),
    )
    respondent = open_assessment(company, world.owner_a).respondents.get()
    programme = make.programme()
    attempts = [
        (
            "post",
            reverse("diagnosis:visit_answers", args=[company.pk]),
            {"member": world.owner_a.pk},
        ),
        (
            "post",
            reverse("diagnosis:visit_answer_page", args=[respondent.pk, "strategy"]),
            {"q_digital_strategy": "1", "action": "save"},
        ),
        (
            "post",
            reverse("diagnosis:consultant_data_upload", args=[company.pk]),
            {"file": SimpleUploadedFile("x.csv", small_csv())},
        ),
        ("post", reverse("diagnosis:consultant_study_start", args=[check.pk]), {"target": ""}),
        (
            "post",
            reverse("consultant_training_new", args=[check.pk]),
            {"target": "불량", "family": "trees", "budget_unit_hours": "1", "units": "1"},
        ),
        (
            "post",
            reverse("diagnosis:application_draft", args=[company.pk, programme.pk]),
            {
                "flavor": "rbln-atom",
                "units": "2",
                "quarterly_plan": "1,1,1,1,1,1,1,1",
                "purpose": "x",
            },
        ),
        (
            "post",
            reverse("diagnosis:consent_record", args=[company.pk]),
            {"given_by": "대표", "given_on": TODAY().isoformat(), "how": "서면"},
        ),
    ]
    for method, url, data in attempts:
        assert getattr(stranger, method)(url, data).status_code == 404, url
    assert not AuditEntry.objects.on_behalf().exists()
    assert DataCheck.objects.count() == 1  # the owner's own
    assert not FeasibilityStudy.objects.exists()
    assert not TrainingJob.objects.exists()
    assert not ApplicationDraft.objects.exists()
    assert not Answer.objects.filter(respondent=respondent).exists()


# --- under real concurrency (PostgreSQL) -----------------------------------------------


def _company_with_desk():
    from tests import factories

    owner, member = factories.make_user(), factories.make_user()
    company = factories.make_company(owner=owner)
    factories.add_member(company, member)
    return company, owner, member, factories.make_staff(companies=[company])


@pytest.mark.postgres
def test_two_clicks_on_enter_their_answers_continue_one_assessment(postgres_only):
    company, _owner, member, desk = _company_with_desk()
    publish()

    outcomes = run_together(
        lambda: onbehalf.visit_respondent(company=company, consultant=desk, member=member),
        lambda: onbehalf.visit_respondent(company=company, consultant=desk, member=member),
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes[0].pk == outcomes[1].pk
    assert Assessment.objects.filter(company=company).count() == 1
    assert on_behalf("assessment_start").count() == 1


@pytest.mark.postgres
def test_a_withdrawal_waits_for_the_upload_that_relies_on_the_consent(postgres_only, monkeypatch):
    from diagnosis.services import datachecks
    from diagnosis.workspace.consent import consent_withdraw

    company, owner, _member, desk = _company_with_desk()
    consent = consent_grant(company=company, consultant=desk, owner=owner)
    create = datachecks.data_check_create

    def slow_create(**kwargs):  # a large file takes a while to store
        time.sleep(1)
        return create(**kwargs)

    monkeypatch.setattr(datachecks, "data_check_create", slow_create)
    monkeypatch.setattr(
        "diagnosis.tasks.profile_data_check.delay_on_commit", lambda *args: None
    )  # its profile is not what is tested

    def withdraw_meanwhile():
        time.sleep(0.3)  # the upload has read its consent by now
        return consent_withdraw(consent=consent, user=owner)

    outcomes = run_together(
        lambda: onbehalf.data_upload(
            company=company, consultant=desk, upload=SimpleUploadedFile("p.csv", small_csv())
        ),
        withdraw_meanwhile,
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    consent.refresh_from_db()
    uploaded = on_behalf("data_upload").get()
    # The upload finished under the consent; the withdrawal took effect after it.
    assert uploaded.created_at < consent.withdrawn_at
