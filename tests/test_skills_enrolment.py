"""Enrolments and certificates: a place once per course, completion with a date, and a
certificate upload treated as a stranger's file (type by content, size capped, random name,
served only to the company, its consultant and officers)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diagnosis.models import Enrolment, SkillRole
from diagnosis.skills.certificates import certificate_attach
from diagnosis.skills.enrolment import enrolment_create
from onestop.bodylimits import UPLOAD_ROUTES
from tests import skills_factories as make

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def person(world):
    return make.staff(world.company_a, "박반장")


@pytest.fixture
def course(world):
    return make.course("현장 모델 운영 실습", roles=[SkillRole.OPERATOR], level=2)


def enrol(client, person, course, **extra):
    return client.post(
        reverse("diagnosis:enrol"),
        {"staff_member": person.pk, "course": course.pk, **extra},
        follow=True,
    )


def test_the_enrolment_shows_on_the_enrolments_page(owner_client, person, course):
    page = enrol(owner_client, person, course, role="operator")
    assert "박반장" in " ".join(messages_of(page))
    enrolment = person.enrolments.get()
    assert (enrolment.status, enrolment.role, enrolment.course) == ("enrolled", "operator", course)
    html = page.content.decode()
    assert 'data-person="박반장" data-status="enrolled"' in html
    assert "현장 모델 운영 실습" in html


def test_a_person_is_enrolled_once_per_course(owner_client, person, course):
    enrol(owner_client, person, course)
    again = enrol(owner_client, person, course)
    assert "박반장" in " ".join(messages_of(again))  # already enrolled, says the message
    assert person.enrolments.count() == 1
    # A cancelled place can be taken again.
    owner_client.post(reverse("diagnosis:enrolment_cancel", args=[person.enrolments.get().pk]))
    enrol(owner_client, person, course)
    assert list(person.enrolments.values_list("status", flat=True).order_by("pk")) == [
        "cancelled",
        "enrolled",
    ]


def test_a_retired_course_is_not_offered(owner_client, person, course):
    course.active = False
    course.save(update_fields=["active"])
    page = enrol(owner_client, person, course)
    assert messages_of(page)
    assert not person.enrolments.exists()


def test_completion_needs_a_date_not_in_the_future(owner_client, person, course):
    enrolment = enrolment_create(member=person, course=course, user=None)
    url = reverse("diagnosis:enrolment_complete", args=[enrolment.pk])
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = owner_client.post(url, {"completed_on": tomorrow.isoformat()}, follow=True)
    assert messages_of(future)
    garbled = owner_client.post(url, {"completed_on": "next week"}, follow=True)
    assert messages_of(garbled)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
    # Enrolled a month ago: a completion dated earlier would rewrite an earlier stage's levels.
    enrolled_on = timezone.localdate() - timedelta(days=30)
    enrolment.enrolled_at = timezone.now() - timedelta(days=30)
    enrolment.save(update_fields=["enrolled_at"])
    before = owner_client.post(
        url, {"completed_on": (enrolled_on - timedelta(days=1)).isoformat()}, follow=True
    )
    assert messages_of(before)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
    owner_client.post(url, {"completed_on": enrolled_on.isoformat()})
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == ("completed", enrolled_on)


def test_a_teammate_enrols_and_completes_too(client, world, person, course):
    client.force_login(world.member_a)
    enrol(client, person, course)
    enrolment = person.enrolments.get()
    client.post(
        reverse("diagnosis:enrolment_complete", args=[enrolment.pk]),
        {"completed_on": timezone.localdate().isoformat()},
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    assert enrolment.enrolled_by == world.member_a


def test_the_enrolments_list_pages(owner_client, world, course):
    for n in range(30):
        enrolment_create(
            member=make.staff(world.company_a, f"작업자 {n:02d}"), course=course, user=None
        )
    first = owner_client.get(reverse("diagnosis:enrolments")).content.decode()
    second = owner_client.get(reverse("diagnosis:enrolments") + "?page=2").content.decode()
    assert first.count('data-testid="enrolment"') == 25
    assert second.count('data-testid="enrolment"') == 5


# --- certificates --------------------------------------------------------------------------


@pytest.fixture
def finished(person, course):
    return make.completed(person, course)


def upload(client, enrolment, name, content, content_type="application/pdf"):
    return client.post(
        reverse("diagnosis:certificate_upload", args=[enrolment.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        follow=True,
    )


def test_a_pdf_certificate_is_stored_under_a_random_name_and_served_as_a_download(
    owner_client, settings, finished
):
    page = upload(owner_client, finished, "../../수료증.pdf", make.PDF)
    assert messages_of(page)
    finished.refresh_from_db()
    assert finished.certificate_type == "pdf"
    assert finished.certificate_size == len(make.PDF)
    stored = list(Path(settings.ONESTOP_CERTIFICATE_ROOT).rglob("*"))
    files = [p for p in stored if p.is_file()]
    assert len(files) == 1
    assert files[0].name == finished.certificate_name
    assert "수료증" not in finished.certificate_name
    assert files[0].suffix == ".pdf"
    assert files[0].parent.name == str(finished.staff_member.company_id)

    response = owner_client.get(reverse("diagnosis:certificate", args=[finished.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == make.PDF


def test_a_certificate_is_told_by_its_content_not_its_name(owner_client, finished):
    html = b"<!doctype html><script>alert(1)</script>"
    refused = upload(owner_client, finished, "certificate.pdf", html)
    assert "PDF" in " ".join(messages_of(refused))
    finished.refresh_from_db()
    assert not finished.has_certificate
    # A PNG sent as "photo.pdf" is kept as the PNG it is.
    upload(owner_client, finished, "photo.pdf", make.PNG)
    finished.refresh_from_db()
    assert finished.certificate_type == "png"
    assert finished.certificate_name.endswith(".png")
    response = owner_client.get(reverse("diagnosis:certificate", args=[finished.pk]))
    assert response["Content-Type"] == "image/png"


def test_a_replaced_certificate_leaves_no_file_behind(
    owner_client, settings, finished, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner_client, finished, "a.pdf", make.PDF)
    with django_capture_on_commit_callbacks(execute=True):
        upload(owner_client, finished, "b.png", make.PNG)
    files = [p for p in Path(settings.ONESTOP_CERTIFICATE_ROOT).rglob("*") if p.is_file()]
    finished.refresh_from_db()
    assert [p.name for p in files] == [finished.certificate_name]


def test_a_certificate_over_the_limit_is_refused(owner_client, settings, finished):
    settings.ONESTOP_CERTIFICATE_MAX_BYTES = 1024
    page = upload(owner_client, finished, "big.pdf", make.PDF + b"0" * 4096)
    assert "1.0" in " ".join(messages_of(page))  # "at most 1.0 KB"
    finished.refresh_from_db()
    assert not finished.has_certificate
    assert not [p for p in Path(settings.ONESTOP_CERTIFICATE_ROOT).rglob("*") if p.is_file()]


def test_the_certificate_route_has_its_own_body_limit():
    assert UPLOAD_ROUTES["diagnosis:certificate_upload"] == "ONESTOP_CERTIFICATE_MAX_BYTES"


def test_a_certificate_waits_for_completion(owner_client, person, course):
    enrolment = enrolment_create(member=person, course=course, user=None)
    page = upload(owner_client, enrolment, "a.pdf", make.PDF)
    assert messages_of(page)
    enrolment.refresh_from_db()
    assert not enrolment.has_certificate


def test_a_certificate_is_served_to_the_company_its_consultant_and_officers_only(
    client, world, finished
):
    certificate_attach(enrolment=finished, upload=make.pdf_upload(), user=world.owner_a)
    own = reverse("diagnosis:certificate", args=[finished.pk])
    desk = reverse("diagnosis:consultant_certificate", args=[finished.pk])
    expected = [
        (world.member_a, own, 200),
        (world.owner_b, own, 404),
        (world.teammate_b, own, 404),
        (world.consultant_a, desk, 200),
        (world.officer, desk, 200),
        (world.consultant_other, desk, 404),
        (world.owner_a, desk, 403),
    ]
    for user, url, status in expected:
        client.force_login(user)
        assert client.get(url).status_code == status, (user, url)


def test_removing_a_person_deletes_their_certificates(
    owner_client, settings, finished, django_capture_on_commit_callbacks
):
    upload(owner_client, finished, "a.pdf", make.PDF)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("diagnosis:staff_remove", args=[finished.staff_member_id]))
    assert not Enrolment.objects.filter(pk=finished.pk).exists()
    assert not [p for p in Path(settings.ONESTOP_CERTIFICATE_ROOT).rglob("*") if p.is_file()]
