"""What the skills work shows elsewhere: the change since the previous diagnosis stage on the
later stage's report, the people trained per programme on the officer's page, the officers'
course catalog in the admin, and the demo data."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from diagnosis.models import Assessment, Course, SelfCheck, SkillRole, StaffMember
from diagnosis.officer import officer_overview
from onestop.models import Application, AuditEntry
from tests import deployment_factories as programmes
from tests import skills_factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained_between_stages(world):
    """T0 two months ago; since then 박반장 completed a level-2 AI champion course; T1 now."""
    t0 = make.diagnosed(world.company_a, world.owner_a, overrides=make.WEAK_PEOPLE)
    Assessment.objects.filter(pk=t0.pk).update(submitted_at=timezone.now() - timedelta(days=60))
    person = make.staff(world.company_a, "박반장")
    SelfCheck.objects.create(
        staff_member=person,
        levels={"champion": 1},
        taken_at=timezone.now() - timedelta(days=90),
    )
    make.staff(world.company_a, "최품질")
    make.completed(
        person,
        make.course("현장 AI 리더 과정", roles=[SkillRole.CHAMPION], level=2),
        on=timezone.localdate() - timedelta(days=20),
    )
    t1 = make.diagnosed(world.company_a, world.owner_a, seed=4)
    assert (t0.stage, t1.stage) == ("T0", "T1")
    return t0, t1


def test_the_later_stage_report_shows_the_skills_change(owner_client, trained_between_stages):
    t0, t1 = trained_between_stages
    page = owner_client.get(reverse("diagnosis:report", args=[t1.pk])).content.decode()
    assert 'data-testid="skills-change"' in page
    assert 'data-role="champion" data-before="1" data-now="2"' in page
    assert 'data-role="engineer" data-before="0" data-now="0"' in page
    trained = page.split('data-testid="skills-trained"')[1].split("</p>")[0]
    assert "박반장" in trained
    assert "최품질" not in trained
    # The first stage has nothing to compare with.
    first = owner_client.get(reverse("diagnosis:report", args=[t0.pk])).content.decode()
    assert 'data-testid="skills-change"' not in first


def test_the_later_stage_pdf_carries_the_skills_change(owner_client, trained_between_stages):
    """The PDF a company files with its programme says what the page says."""
    import io

    from pypdf import PdfReader

    t0, t1 = trained_between_stages
    with translation.override(settings.LANGUAGE_CODE):
        heading = gettext("People and skills since %(stage)s") % {"stage": "T0"}
        champion = str(SkillRole.CHAMPION.label)
        best_now = gettext("Best level now")  # a column of this section only
    later = owner_client.get(reverse("diagnosis:report_pdf", args=[t1.pk])).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(later)).pages)
    assert heading in text
    assert "박반장" in text
    assert "최품질" not in text
    # The champion's row, cell by cell: best level then, now (raised), people at level 2.
    cells = text[text.index(champion) :].splitlines()
    assert cells[1:4] == ["1", "1 → 2", "0 → 1"]
    first = owner_client.get(reverse("diagnosis:report_pdf", args=[t0.pk])).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
    assert best_now not in text  # the first stage has nothing to compare with


def test_the_consultant_reads_the_change_on_the_report_too(client, world, trained_between_stages):
    _t0, t1 = trained_between_stages
    client.force_login(world.consultant_a)
    page = client.get(reverse("diagnosis:consultant_report", args=[t1.pk])).content.decode()
    assert 'data-role="champion" data-before="1" data-now="2"' in page
    assert reverse("diagnosis:consultant_people", args=[world.company_a.pk]) in page


def test_officers_see_people_trained_and_roles_filled_per_programme(client, world):
    programme = programmes.programme(name="AI 바우처")
    for company, owner in ((world.company_a, world.owner_a), (world.company_b, world.owner_b)):
        application = programmes.application(company, owner, programme)
        Application.objects.filter(pk=application.pk).update(state="approved")
    champion = make.course(roles=[SkillRole.CHAMPION, SkillRole.DATA_OWNER], level=2)
    make.completed(make.staff(world.company_a, "에이 리더"), champion)
    make.completed(make.staff(world.company_a, "에이 데이터"), make.course("기초", level=1))
    make.staff(world.company_b, "비 사람")

    (row,) = officer_overview(world.officer)["skills"]
    assert (row.programme, row.companies, row.people_listed) == (programme, 2, 3)
    assert (row.people_trained, row.courses_completed) == (2, 2)
    filled = {role.code: n for role, n in row.filled}
    assert filled == {"champion": 1, "data_owner": 1, "operator": 0, "engineer": 0}
    # A consultant counts only the companies assigned to them.
    (mine,) = officer_overview(world.consultant_a)["skills"]
    assert (mine.companies, mine.people_trained) == (1, 2)
    assert officer_overview(world.consultant_other)["skills"] == []

    client.force_login(world.officer)
    page = client.get(reverse("diagnosis:officer_overview")).content.decode()
    assert 'data-testid="programme-skills"' in page
    assert 'data-role="champion">1 / 2' in page


def test_officers_keep_the_course_catalog_in_the_admin(client, world):
    client.force_login(world.officer)
    form = {
        "title": "모델 상태 읽기",
        "provider": "교육기관",
        "description": "",
        "level": "1",
        "format": "online",
        "hours": "4",
        "cost_won": "100000",
        "subsidy_won": "80000",
        "language": "ko",
        "roles": ["operator", "engineer"],
        "url": "",
        "active": "on",
    }
    response = client.post(reverse("admin:diagnosis_course_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    course = Course.objects.get(title="모델 상태 읽기")
    assert course.roles == ["operator", "engineer"]
    assert AuditEntry.objects.filter(action="admin.add", target_id=str(course.pk)).exists()

    refused = client.post(
        reverse("admin:diagnosis_course_add"),
        {**form, "title": "비싼 보조", "subsidy_won": "200000"},
    )
    assert refused.status_code == 200
    assert not Course.objects.filter(title="비싼 보조").exists()
    no_role = client.post(reverse("admin:diagnosis_course_add"), {**form, "roles": []})
    assert no_role.status_code == 200

    client.force_login(world.consultant_a)
    assert client.get(reverse("admin:diagnosis_course_changelist")).status_code == 200
    assert client.post(reverse("admin:diagnosis_course_add"), form).status_code == 403


def test_a_course_people_took_is_retired_not_deleted(client, world):
    taken = make.course()
    make.completed(make.staff(world.company_a), taken)
    client.force_login(world.officer)
    url = reverse("admin:diagnosis_course_delete", args=[taken.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Course.objects.filter(pk=taken.pk).exists()


def test_the_demo_catalog_is_marked_as_demo_and_seeds_once(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    courses = list(Course.objects.all())
    assert courses
    assert all(c.is_demo and c.title.startswith("데모 과정:") for c in courses)
    assert {c.provider for c in courses} == {"데모 교육기관"}
    assert {role for c in courses for role in c.roles} == set(SkillRole.values)
    hanbit = StaffMember.objects.filter(company__name="한빛정밀")
    counts = (Course.objects.count(), hanbit.count())
    assert counts[1] == 4
    # A demo course was completed after it was taken, as the portal itself insists.
    from django.utils import timezone

    from diagnosis.models import Enrolment

    finished = Enrolment.objects.filter(staff_member__in=hanbit, completed_on__isnull=False)
    assert finished.exists()
    assert all(timezone.localdate(e.enrolled_at) <= e.completed_on for e in finished)
    call_command("seed_demo")
    assert (Course.objects.count(), hanbit.count()) == counts
