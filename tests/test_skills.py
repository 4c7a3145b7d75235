"""People and skills: the learning path follows from the diagnosis and from what the company
runs; levels come from the self-check and completed courses; each company sees only its own
people."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployment.models import Endpoint, HealthAlert
from diagnosis.models import SelfCheck, SkillRole, StaffMember
from diagnosis.skills import levels
from diagnosis.skills.path import learning_path
from diagnosis.skills.roles import level_from_answers
from tests import skills_factories as make
from tests.deployment_factories import deployment_objects
from tests.test_authz_matrix import training_objects

pytestmark = pytest.mark.django_db


def path_roles(company):
    return [item.role for item in learning_path(company).items]


# --- the learning path ---------------------------------------------------------------------


def test_a_weak_people_dimension_puts_an_ai_champion_first(owner_client, world):
    assessment = make.diagnosed(world.company_a, world.owner_a, overrides=make.WEAK_PEOPLE)
    people_score = assessment.result.dimensions["people"]
    assert people_score < 55  # the people dimension's target
    make.course("현장 AI 리더 과정", roles=[SkillRole.CHAMPION], level=2)
    make.course("모델 운영 과정", roles=[SkillRole.OPERATOR], level=2)
    make.staff(world.company_a, "박반장", job_title="3라인 작업반장")

    path = learning_path(world.company_a)
    first = path.items[0]
    assert first.role == SkillRole.CHAMPION
    assert not first.filled
    assert f"{people_score:.0f}" in first.reasons[0]
    assert [c.title for c in first.courses] == ["현장 AI 리더 과정"]
    # Nothing is deployed, so no operator is called for.
    assert SkillRole.OPERATOR not in [item.role for item in path.items]

    page = owner_client.get(reverse("diagnosis:path")).content.decode()
    assert "인력과 역량" in page  # the dimension named in the reason, in Korean
    assert "현장 AI 리더 과정" in page
    assert 'data-testid="enrol"' in page


def test_a_capable_plant_with_nothing_deployed_needs_no_training(owner_client, world):
    make.diagnosed(world.company_a, world.owner_a, maturity=1.0)
    assert path_roles(world.company_a) == []
    page = owner_client.get(reverse("diagnosis:path")).content.decode()
    assert 'data-testid="path-empty"' in page


def test_without_a_diagnosis_the_path_asks_for_one(owner_client, world):
    page = owner_client.get(reverse("diagnosis:path")).content.decode()
    assert reverse("diagnosis:home") in page
    assert 'data-testid="path-no-people"' in page  # and for people to enrol


def test_people_then_data_then_what_the_company_runs(world):
    weak_data = {"data_collected_digitally": "no", "data_history_years": 0}
    make.diagnosed(
        world.company_a, world.owner_a, overrides={**make.WEAK_PEOPLE, **weak_data}, maturity=0.3
    )
    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="press-failures",
        version=deployment_objects(world).version_p,
        state=Endpoint.State.READY,
    )
    HealthAlert.objects.create(
        endpoint=endpoint, kind="drift", value=0.4, threshold=0.25, raised_at=timezone.now()
    )
    training_objects(world)  # a training job of company A (and one of B)

    roles = path_roles(world.company_a)
    assert roles[:2] == [SkillRole.CHAMPION, SkillRole.DATA_OWNER]
    assert roles[2:] == [SkillRole.OPERATOR, SkillRole.ENGINEER]
    operator = learning_path(world.company_a).items[2]
    assert any("press-failures" in reason for reason in operator.reasons)
    # Company B runs its own training job, nothing else: only the engineer.
    assert path_roles(world.company_b) == [SkillRole.ENGINEER]


def test_a_running_endpoint_without_alerts_asks_only_for_the_basics(world):
    Endpoint.objects.create(
        company=world.company_a,
        name="line-3",
        version=deployment_objects(world).version_p,
        state=Endpoint.State.READY,
    )
    (item,) = learning_path(world.company_a).items
    assert (item.role, item.target_level) == (SkillRole.OPERATOR, 1)
    person = make.staff(world.company_a, "김작업")
    SelfCheck.objects.create(staff_member=person, levels={"operator": 1})
    (item,) = learning_path(world.company_a).items
    assert item.filled
    assert item.holders[0].member == person


def test_an_old_cleared_alert_is_forgotten(world):
    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="old",
        version=deployment_objects(world).version_p,
        state=Endpoint.State.STOPPED,
    )
    long_ago = timezone.now() - timedelta(days=200)
    HealthAlert.objects.create(
        endpoint=endpoint,
        kind="drift",
        value=0.4,
        threshold=0.25,
        raised_at=long_ago,
        cleared_at=long_ago,
    )
    assert path_roles(world.company_a) == []


# --- levels ---------------------------------------------------------------------------------


def test_the_self_check_counts_statements_from_the_first():
    assert level_from_answers("operator", {"operator_read": True, "operator_alert": True}) == 2
    # Ticking only the last statement does not make an expert.
    assert level_from_answers("operator", {"operator_labels": True}) == 0


def test_completing_a_course_raises_the_level_up_to_the_course_level(owner_client, world):
    person = make.staff(world.company_a, "박반장")
    owner_client.post(reverse("diagnosis:self_check", args=[person.pk]), {"operator_read": "on"})
    operations = make.course("현장 모델 운영 실습", roles=[SkillRole.OPERATOR], level=2)
    (before,) = levels.profiles([person])
    assert before.levels["operator"] == 1

    response = owner_client.post(
        reverse("diagnosis:enrol"), {"staff_member": person.pk, "course": operations.pk}
    )
    assert response.url == reverse("diagnosis:enrolments")
    enrolment = person.enrolments.get()
    owner_client.post(
        reverse("diagnosis:enrolment_complete", args=[enrolment.pk]),
        {"completed_on": timezone.localdate().isoformat()},
    )

    (after,) = levels.profiles([person])
    assert after.levels["operator"] == 2  # the course's level, not beyond
    assert after.levels["engineer"] == 0  # a role the course does not build
    assert after.from_courses["operator"] == operations
    page = owner_client.get(reverse("diagnosis:people")).content.decode()
    assert 'data-role="operator" data-level="2"' in page


def test_a_course_below_the_self_check_does_not_lower_it(world):
    person = make.staff(world.company_a)
    SelfCheck.objects.create(staff_member=person, levels={"engineer": 3})
    make.completed(person, make.course(roles=[SkillRole.ENGINEER], level=1))
    (profile,) = levels.profiles([person])
    assert profile.levels["engineer"] == 3


def test_levels_read_on_a_past_date_leave_out_what_came_later(world):
    person = make.staff(world.company_a)
    make.completed(
        person,
        make.course(roles=[SkillRole.DATA_OWNER], level=2),
        on=timezone.localdate() - timedelta(days=3),
    )
    week_ago = timezone.now() - timedelta(days=7)
    (then,) = levels.profiles([person], at=week_ago)
    (now,) = levels.profiles([person])
    assert (then.levels["data_owner"], now.levels["data_owner"]) == (0, 2)


def test_the_self_check_page_shows_the_statements_and_saves_the_levels(owner_client, world):
    person = make.staff(world.company_a, "이엔지")
    page = owner_client.get(reverse("diagnosis:self_check", args=[person.pk])).content.decode()
    assert 'name="engineer_retrain"' in page
    owner_client.post(
        reverse("diagnosis:self_check", args=[person.pk]),
        {"engineer_prepare": "on", "engineer_train": "on", "data_where": "on"},
    )
    check = person.self_checks.get()
    assert check.levels == {"champion": 0, "data_owner": 1, "operator": 0, "engineer": 2}
    assert check.taken_by == world.owner_a


# --- the people page and tenancy -------------------------------------------------------------


def test_a_member_sees_only_their_own_companys_people(client, world):
    mine = make.staff(world.company_a, "에이 사람")
    theirs = make.staff(world.company_b, "비 사람")
    client.force_login(world.member_a)
    page = client.get(reverse("diagnosis:people")).content.decode()
    assert "에이 사람" in page
    assert "비 사람" not in page
    assert client.get(reverse("diagnosis:self_check", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("diagnosis:self_check", args=[mine.pk])).status_code == 200
    course = make.course()
    refused = client.post(
        reverse("diagnosis:enrol"), {"staff_member": theirs.pk, "course": course.pk}
    )
    assert refused.status_code == 404
    assert not theirs.enrolments.exists()
    # Company B's owner sees B's person and not A's, on the path's enrol form as well.
    client.force_login(world.owner_b)
    page = client.get(reverse("diagnosis:people")).content.decode()
    assert "비 사람" in page
    assert "에이 사람" not in page
    make.diagnosed(world.company_b, world.owner_b, overrides=make.WEAK_PEOPLE)
    path_page = client.get(reverse("diagnosis:path")).content.decode()
    assert f'<option value="{theirs.pk}"' in path_page
    assert f'<option value="{mine.pk}"' not in path_page


def test_consultants_see_their_assigned_companies_people(client, world):
    make.staff(world.company_a, "에이 사람")
    url = reverse("diagnosis:consultant_people", args=[world.company_a.pk])
    client.force_login(world.consultant_a)
    assert "에이 사람" in client.get(url).content.decode()
    assert (
        client.get(reverse("diagnosis:consultant_people", args=[world.company_b.pk])).status_code
        == 404
    )
    client.force_login(world.consultant_other)
    assert client.get(url).status_code == 404
    client.force_login(world.officer)
    assert "에이 사람" in client.get(url).content.decode()


def test_adding_a_person_with_and_without_a_login(owner_client, world):
    response = owner_client.post(
        reverse("diagnosis:people"), {"name": "박반장", "job_title": "3라인 작업반장"}
    )
    person = StaffMember.objects.get(name="박반장")
    assert response.url == reverse("diagnosis:self_check", args=[person.pk])
    assert person.company == world.company_a
    assert person.user is None
    owner_client.post(reverse("diagnosis:people"), {"name": "이에이", "login": world.member_a.pk})
    assert StaffMember.objects.get(name="이에이").user == world.member_a
    # The same login twice, or someone else's login, is not offered.
    again = owner_client.post(
        reverse("diagnosis:people"), {"name": "또 이에이", "login": world.member_a.pk}
    )
    assert again.status_code == 200
    assert again.context["form"].errors["login"]
    foreign = owner_client.post(
        reverse("diagnosis:people"), {"name": "남", "login": world.owner_b.pk}
    )
    assert foreign.context["form"].errors["login"]


def test_a_missing_name_is_explained(owner_client):
    response = owner_client.post(reverse("diagnosis:people"), {"name": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert 'role="alert"' in response.content.decode()


def test_only_owners_remove_people(client, world):
    person = make.staff(world.company_a)
    client.force_login(world.member_a)
    assert client.post(reverse("diagnosis:staff_remove", args=[person.pk])).status_code == 403
    client.force_login(world.owner_a)
    client.post(reverse("diagnosis:staff_remove", args=[person.pk]))
    assert not StaffMember.objects.filter(pk=person.pk).exists()


def test_the_people_list_pages(owner_client, world):
    for n in range(30):
        make.staff(world.company_a, f"작업자 {n:02d}")
    first = owner_client.get(reverse("diagnosis:people")).content.decode()
    second = owner_client.get(reverse("diagnosis:people") + "?page=2").content.decode()
    assert "작업자 00" in first
    assert "작업자 29" not in first
    assert "작업자 29" in second


def test_the_skills_pages_query_counts_are_pinned(owner_client, world, django_assert_num_queries):
    make.diagnosed(world.company_a, world.owner_a, overrides=make.WEAK_PEOPLE)
    for n in range(5):
        person = make.staff(world.company_a, f"작업자 {n}")
        SelfCheck.objects.create(staff_member=person, levels={"champion": 1})
        make.completed(person, make.course(f"과정 {n}", roles=[SkillRole.CHAMPION]))
    owner_client.get(reverse("diagnosis:people"))  # the first visit stores the current company
    # 1 session, 2 user, 3 membership, 4 the staff count, 5 the page of staff, 6 their
    # self-checks, 7 their completed courses, 8 the logins that can be linked, 9 the layout's
    # partner link, 10 the company switcher, 11 the unread notifications. Any number of people.
    with django_assert_num_queries(11):
        owner_client.get(reverse("diagnosis:people"))
    # 1–3 as above, 4 the staff, 5 the latest diagnosis, 6 health alerts, 7 serving endpoints,
    # 8 training jobs, 9 self-checks, 10 completed courses, 11 the catalog, 12–14 the layout.
    with django_assert_num_queries(14):
        owner_client.get(reverse("diagnosis:path"))
