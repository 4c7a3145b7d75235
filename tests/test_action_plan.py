"""The action plan built from the roadmap, visible to the company, moved on by each step's
owner; visit notes the company never sees; the handover page for the next consultant."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployment.models import Endpoint, Grant, HealthAlert
from diagnosis.models import ActionItem, VisitNote
from diagnosis.questionnaire.report import build_report
from diagnosis.workspace.plan import plan_from_roadmap
from onestop.models import Application, AuditEntry
from tests import deployment_factories as make
from tests.diagnosis_factories import submitted_assessment
from tests.test_concurrency import run_together
from tests.workspace_factories import draft, signed_in, step


@pytest.fixture
def consultant(world):
    return signed_in(world.consultant_a)


@pytest.fixture
def weak_diagnosis(world):
    """A submitted T0 with gaps on its roadmap."""
    return submitted_assessment(world.company_a, world.owner_a, maturity=0.2, seed=3)


def test_the_plan_is_built_from_the_roadmap_once(world, consultant, weak_diagnosis):
    gaps = build_report(weak_diagnosis).gaps
    assert gaps
    consultant.post(reverse("diagnosis:plan_from_roadmap", args=[world.company_a.pk]))
    steps = list(ActionItem.objects.for_company(world.company_a).order_by("due_on"))
    assert [s.dimension for s in steps] == [g.dimension.code for g in gaps]
    # The most urgent gap first, a month apart.
    assert steps[0].due_on == timezone.localdate() + timedelta(days=30)
    assert steps[1].due_on - steps[0].due_on == timedelta(days=30)
    assert steps[0].detail == str(gaps[0].action or "")
    assert AuditEntry.objects.get(action="action_plan.build").actor == world.consultant_a
    consultant.post(reverse("diagnosis:plan_from_roadmap", args=[world.company_a.pk]))
    assert ActionItem.objects.count() == len(gaps)


def test_without_a_submitted_diagnosis_there_is_no_roadmap_to_build_from(world, consultant):
    response = consultant.post(
        reverse("diagnosis:plan_from_roadmap", args=[world.company_a.pk]), follow=True
    )
    assert response.status_code == 200
    assert not ActionItem.objects.exists()


def test_a_step_assigned_to_the_owner_shows_on_the_companys_plan(
    world, consultant, owner_client, weak_diagnosis
):
    plan_from_roadmap(company=world.company_a, user=world.consultant_a)
    first = ActionItem.objects.for_company(world.company_a).first()
    due = timezone.localdate() + timedelta(days=10)
    prefix = f"step-{first.pk}"
    consultant.post(
        reverse("diagnosis:consultant_plan_item", args=[first.pk]),
        {f"{prefix}-owner": world.owner_a.pk, f"{prefix}-due_on": due, f"{prefix}-status": "open"},
    )
    first.refresh_from_db()
    assert (first.owner, first.due_on) == (world.owner_a, due)
    entry = AuditEntry.objects.get(action="action_item.update")
    assert entry.actor == world.consultant_a
    assert entry.after["owner_id"] == world.owner_a.pk

    page = owner_client.get(reverse("diagnosis:plan")).content.decode()
    assert first.title in page
    assert world.owner_a.full_name in page
    assert reverse("diagnosis:plan_item_status", args=[first.pk]) in page

    owner_client.post(reverse("diagnosis:plan_item_status", args=[first.pk]), {"status": "done"})
    first.refresh_from_db()
    assert first.status == "done"
    assert first.done_at is not None


def save_row(client, item, *, owner, status):
    """The consultant saves a step's row on the desk's plan page."""
    prefix = f"step-{item.pk}"
    return client.post(
        reverse("diagnosis:consultant_plan_item", args=[item.pk]),
        {
            f"{prefix}-owner": owner.pk if owner else "",
            f"{prefix}-due_on": item.due_on,
            f"{prefix}-status": status,
        },
    )


def test_a_step_is_owned_by_a_member_or_the_consultant_only(world, consultant):
    item = step(world.company_a, world.consultant_a)
    save_row(consultant, item, owner=world.owner_b, status="open")
    item.refresh_from_db()
    assert item.owner is None
    save_row(consultant, item, owner=world.consultant_a, status="in_progress")
    item.refresh_from_db()
    assert (item.owner, item.status) == (world.consultant_a, "in_progress")


def test_teammates_move_on_only_the_steps_they_own(world):
    theirs = step(world.company_a, world.consultant_a, owner=world.member_a, title="센서 점검")
    others = step(world.company_a, world.consultant_a, owner=world.owner_a, title="예산 확보")
    member = signed_in(world.member_a)
    page = member.get(reverse("diagnosis:plan")).content.decode()
    assert "센서 점검" in page
    assert "예산 확보" in page
    assert reverse("diagnosis:plan_item_status", args=[theirs.pk]) in page
    assert reverse("diagnosis:plan_item_status", args=[others.pk]) not in page
    member.post(reverse("diagnosis:plan_item_status", args=[theirs.pk]), {"status": "in_progress"})
    refused = member.post(
        reverse("diagnosis:plan_item_status", args=[others.pk]), {"status": "done"}
    )
    assert refused.status_code == 403
    theirs.refresh_from_db()
    others.refresh_from_db()
    assert (theirs.status, others.status) == ("in_progress", "open")
    # Another company's step does not exist for them.
    assert (
        signed_in(world.owner_b)
        .post(reverse("diagnosis:plan_item_status", args=[theirs.pk]), {"status": "done"})
        .status_code
        == 404
    )


def test_visit_notes_are_for_the_desk_only(world, consultant, owner_client):
    today = timezone.localdate()
    saved = consultant.post(
        reverse("diagnosis:visit_notes", args=[world.company_a.pk]),
        {"visited_on": today.isoformat(), "text": "대표가 예산 걱정을 함. 2라인 센서 노후."},
    )
    assert saved.status_code == 302
    note = VisitNote.objects.get()
    assert (note.author, note.visited_on, note.company) == (
        world.consultant_a,
        today,
        world.company_a,
    )
    entry = AuditEntry.objects.get(action="visit_note.add")
    assert "예산" not in str(entry.after)
    assert "예산" not in entry.target_label

    listed = consultant.get(reverse("diagnosis:visit_notes", args=[world.company_a.pk]))
    assert "2라인 센서 노후" in listed.content.decode()
    assert (
        "2라인 센서 노후"
        in signed_in(world.officer)
        .get(reverse("diagnosis:visit_notes", args=[world.company_a.pk]))
        .content.decode()
    )
    # The company sees its plan, never the notes.
    assert (
        owner_client.get(reverse("diagnosis:visit_notes", args=[world.company_a.pk])).status_code
        == 403
    )
    for url in (reverse("diagnosis:plan"), reverse("dashboard"), reverse("diagnosis:home")):
        assert "2라인 센서 노후" not in owner_client.get(url).content.decode()


def test_a_note_about_a_visit_yet_to_come_is_refused(world, consultant):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = consultant.post(
        reverse("diagnosis:visit_notes", args=[world.company_a.pk]),
        {"visited_on": tomorrow.isoformat(), "text": "미리 쓰는 메모"},
    )
    assert response.status_code == 400
    assert not VisitNote.objects.exists()


def test_the_handover_has_what_the_next_consultant_needs(world, consultant):
    late = step(world.company_a, world.consultant_a, owner=world.owner_a, due_in_days=-4)
    done = step(world.company_a, world.consultant_a, title="끝난 일")
    done.status, done.done_at = "done", timezone.now()
    done.save(update_fields=["status", "done_at"])
    VisitNote.objects.create(
        company=world.company_a,
        author=world.consultant_a,
        visited_on=timezone.localdate(),
        text="품질팀장이 핵심 인물",
    )
    consultant.post(
        reverse("diagnosis:consent_record", args=[world.company_a.pk]),
        {"given_by": "김에이 대표", "given_on": timezone.localdate().isoformat(), "how": "서면"},
    )
    pool = make.pool()
    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="press-failures",
        version=make.version(make.family()),
        pool=pool,
        state="ready",
    )
    HealthAlert.objects.create(
        endpoint=endpoint, kind="drift", value=0.4, threshold=0.25, raised_at=timezone.now()
    )
    application = make.application(world.company_a, world.owner_a, make.programme())
    Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
    started = timezone.now() - timedelta(days=40)  # the month-1 report is overdue
    Grant.objects.create(
        company=world.company_a,
        pool=pool,
        guarantee_units=1,
        starts_at=started,
        ends_at=started + timedelta(days=730),
        application=application,
    )
    draft(world.company_a, world.consultant_a, make.programme(name="데이터 바우처"))
    # The company moves to a new consultant, who opens the handover from the company page.
    from tests import factories

    newcomer = factories.make_staff(companies=[world.company_a])
    desk = signed_in(newcomer)
    detail = desk.get(reverse("consultant_company_detail", args=[world.company_a.pk]))
    url = reverse("diagnosis:handover", args=[world.company_a.pk])
    assert url in detail.content.decode()
    page = desk.get(url)
    text = page.content.decode()
    assert page.context["open_items"] == [late]
    assert late.title in text
    assert "끝난 일" not in text
    assert "품질팀장이 핵심 인물" in text
    # What the former consultant did in the company's name (consent is not such an act).
    assert [e.action for e in page.context["on_behalf"]] == ["on_behalf.application_draft"]
    assert [d.programme.name for d in page.context["drafts"]] == ["데이터 바우처"]
    assert "press-failures" in text
    assert [r.kind for r in page.context["reasons"]] == [
        "report_overdue",
        "drift",
        "steps_overdue",
        "grant_idle",  # the endpoint is up, but nothing ran on the grant for two weeks
    ]
    assert reverse("consultant_application", args=[application.pk]) in text
    assert [a.consultant for a in page.context["assignments"]] == [world.consultant_a, newcomer]
    assert [c.consultant for c in page.context["consents"]] == [world.consultant_a]
    # Refused to a consultant of other companies.
    assert signed_in(world.consultant_other).get(url).status_code == 404


# --- review fixes ----------------------------------------------------------------------------


def test_building_again_after_one_step_went_says_one_step(world, consultant, weak_diagnosis):
    url = reverse("diagnosis:plan_from_roadmap", args=[world.company_a.pk])
    english = {"Accept-Language": "en"}
    consultant.post(url, follow=True, headers=english)
    ActionItem.objects.for_company(world.company_a).first().delete()
    again = consultant.post(url, follow=True, headers=english)
    said = [str(m) for m in again.context["messages"]]
    assert said == ["1 step added from the roadmap; give it an owner."]


def test_steps_from_the_roadmap_are_written_in_the_sites_language(
    world, consultant, weak_diagnosis
):
    # The consultant browses in English; the company reads its plan in Korean.
    consultant.post(
        reverse("diagnosis:plan_from_roadmap", args=[world.company_a.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    first = ActionItem.objects.for_company(world.company_a).order_by("due_on").first()
    gap = build_report(weak_diagnosis).gaps[0]
    assert gap.dimension.name.ko != gap.dimension.name.en
    assert gap.dimension.name.ko in first.title
    assert gap.dimension.name.en not in first.title
    assert first.detail == (gap.action.ko if gap.action else "")


def test_a_change_to_a_step_moves_its_changed_time(world, consultant):
    item = step(world.company_a, world.consultant_a)
    ActionItem.objects.filter(pk=item.pk).update(updated_at=timezone.now() - timedelta(days=3))
    before = ActionItem.objects.get(pk=item.pk).updated_at
    owner_client = signed_in(world.owner_a)
    owner_client.post(reverse("diagnosis:plan_item_status", args=[item.pk]), {"status": "done"})
    item.refresh_from_db()
    assert item.status == "done"
    assert item.updated_at > before + timedelta(days=2)


def test_an_owner_who_left_is_kept_when_the_consultant_saves_the_step(world, consultant):
    item = step(world.company_a, world.consultant_a, owner=world.member_a)
    world.membership(world.member_a, world.company_a).delete()  # they left the company
    page = consultant.get(reverse("diagnosis:consultant_plan", args=[world.company_a.pk]))
    # The step's row still shows them as its owner, so saving the row keeps them.
    form = page.context["steps"][0][1]
    assert str(form["owner"].value()) == str(world.member_a.pk)
    selected = f'<option value="{world.member_a.pk}" selected>'
    assert selected in str(form["owner"])
    save_row(consultant, item, owner=world.member_a, status="in_progress")
    item.refresh_from_db()
    assert (item.status, item.owner) == ("in_progress", world.member_a)
    # Nobody else who left may be made an owner, though.
    other = step(world.company_a, world.consultant_a)
    save_row(consultant, other, owner=world.member_a, status="open")
    other.refresh_from_db()
    assert other.owner is None


def test_the_desk_plan_costs_the_same_queries_for_many_steps(
    world, consultant, django_assert_num_queries
):
    url = reverse("diagnosis:consultant_plan", args=[world.company_a.pk])
    step(world.company_a, world.consultant_a, owner=world.member_a)
    # 1 session, 2 user, 3 staff profile, 4 the company (desk_company), 5 who may own a step
    # (read once for every form), 6 the number of steps (pagination), 7 the page of steps
    # with their owners, 8 the layout's current company (none for the desk), 9 the layout's
    # partner link, 10 the unread notifications.
    with django_assert_num_queries(10):
        consultant.get(url)
    for n in range(40):
        step(world.company_a, world.consultant_a, owner=world.owner_a, title=f"단계 {n}")
    with django_assert_num_queries(10):
        first = consultant.get(url)
    assert len(first.context["steps"]) == 25
    assert len(consultant.get(url, {"page": 2}).context["steps"]) == 16


def test_the_handover_names_the_consultants_before_and_only_consents_in_force(world, consultant):
    from onestop.models import ConsultantAssignment
    from onestop.services.assignment import consultant_assign
    from tests import factories

    # Company A had an earlier consultant, assigned through the service and removed since.
    earlier = factories.make_staff()
    consultant_assign(company=world.company_a, consultant=earlier, assigned_by=world.officer)
    consultant.post(
        reverse("diagnosis:consent_record", args=[world.company_a.pk]),
        {"given_by": "김에이 대표", "given_on": timezone.localdate().isoformat(), "how": "서면"},
    )
    ConsultantAssignment.objects.filter(consultant=world.consultant_a).delete()
    ConsultantAssignment.objects.filter(consultant=earlier).delete()
    newcomer = factories.make_staff(companies=[world.company_a])
    page = signed_in(newcomer).get(reverse("diagnosis:handover", args=[world.company_a.pk]))
    assert [e.consultant for e in page.context["earlier"]] == [earlier]
    text = page.content.decode()
    assert 'data-testid="handover-earlier"' in text
    assert str(earlier) in text.split('data-testid="handover-earlier"')[1].split("</ul>")[0]
    # consultant_a's consent went with their assignment.
    assert page.context["consents"] == []


# --- under real concurrency (PostgreSQL) -----------------------------------------------


@pytest.mark.postgres
def test_two_builds_at_once_add_each_gap_once(postgres_only):
    from tests import factories

    owner = factories.make_user()
    company = factories.make_company(owner=owner)
    desk = factories.make_staff(companies=[company])
    diagnosis = submitted_assessment(company, owner, maturity=0.2, seed=3)
    gaps = build_report(diagnosis).gaps

    # A double click on "Add a step for each gap of the roadmap".
    outcomes = run_together(
        lambda: plan_from_roadmap(company=company, user=desk),
        lambda: plan_from_roadmap(company=company, user=desk),
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert sorted(len(added) for added in outcomes) == [0, len(gaps)]
    steps = ActionItem.objects.filter(company=company)
    assert sorted(steps.values_list("dimension", flat=True)) == sorted(
        g.dimension.code for g in gaps
    )
