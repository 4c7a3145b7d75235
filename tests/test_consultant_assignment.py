"""A new company gets a consultant who covers its region and industry and has room, and is told
who; when nobody has room it waits in the officers' queue until an officer assigns one."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from onestop.models import AuditEntry, Company, ConsultantAssignment, StaffProfile
from onestop.services.assignment import consultant_for
from tests import factories
from tests.test_signup import GOOD  # 한빛정밀: KSIC 29 (machinery), 경상남도

pytestmark = pytest.mark.django_db


def consultant(name, *, regions=(), divisions=(), capacity=25):
    user = factories.make_user(f"{name}@desk.example", full_name=name, staff=True)
    StaffProfile.objects.create(
        user=user,
        role=StaffProfile.Role.CONSULTANT,
        regions=list(regions),
        ksic_divisions=list(divisions),
        capacity=capacity,
    )
    return user


def sign_up(client):
    response = client.post(reverse("signup"), GOOD)
    assert response.status_code == 302
    return Company.objects.get(name="한빛정밀"), [
        str(m) for m in get_messages(response.wsgi_request)
    ]


def test_sign_up_assigns_the_consultant_of_the_region_and_industry_and_says_who(client):
    consultant("서울담당", regions=["seoul"], divisions=["29"])
    consultant("아무나")  # covers everything, by leaving both lists empty
    expert = consultant("경남기계", regions=["gyeongnam"], divisions=["29", "30"])
    company, said = sign_up(client)
    assigned = ConsultantAssignment.objects.get(company=company)
    assert assigned.consultant == expert
    assert any("경남기계" in line and expert.email in line for line in said)
    entry = AuditEntry.objects.get(action="company.consultant_assign", company=company)
    assert entry.after["automatic"] is True


def test_the_least_busy_of_equally_good_consultants_is_chosen_and_a_full_one_is_skipped():
    busy = consultant("바쁜", regions=["gyeongnam"])
    calm = consultant("한가한", regions=["gyeongnam"])
    full = consultant("꽉찬", regions=["gyeongnam"], divisions=["29"], capacity=1)
    for person in (busy, full):
        ConsultantAssignment.objects.create(consultant=person, company=factories.make_company())
    newcomer = factories.make_company(region="gyeongnam", ksic_division="29")
    assert consultant_for(newcomer) == calm


def test_with_nobody_free_the_company_waits_for_an_officer_who_assigns_one(client):
    # The only consultant covers another region.
    elsewhere = consultant("서울담당", regions=["seoul"])
    company, said = sign_up(client)
    assert not ConsultantAssignment.objects.filter(company=company).exists()
    assert any("사업 담당자가 영업일 이틀 안에" in line for line in said), said

    officer = factories.make_staff(StaffProfile.Role.OFFICER)
    desk = client.__class__()
    desk.force_login(officer)
    queue = desk.get(reverse("consultant_companies"))
    assert company in queue.context["waiting"]
    assert 'data-testid="consultant-queue"' in queue.content.decode()
    assigned = desk.post(
        reverse("consultant_assign", args=[company.pk]), {"consultant": elsewhere.pk}
    )
    assert assigned.status_code == 302
    assert ConsultantAssignment.objects.get(company=company).consultant == elsewhere
    assert company not in desk.get(reverse("consultant_companies")).context["waiting"]


def test_a_consultant_cannot_assign_and_an_unknown_consultant_is_refused(client, world):
    client.force_login(world.consultant_a)
    url = reverse("consultant_assign", args=[world.company_a.pk])
    assert client.post(url, {"consultant": world.consultant_other.pk}).status_code == 403
    client.force_login(world.officer)
    refused = client.post(url, {"consultant": world.officer.pk}, follow=True)
    assert "목록에 있는 컨설턴트" in refused.content.decode()
    assert not ConsultantAssignment.objects.filter(
        company=world.company_a, consultant=world.officer
    ).exists()


def test_a_company_whose_consultant_left_is_back_in_the_queue(world):
    from onestop.services.assignment import waiting_for_a_consultant

    assert world.company_a not in waiting_for_a_consultant()
    world.consultant_a.is_active = False
    world.consultant_a.save(update_fields=["is_active"])
    assert world.company_a in waiting_for_a_consultant()
