"""What a company hears of the desk's work in its place: a draft application waiting for its
owners, a plan built from the roadmap, a step given to a person, data uploaded on its consent.
Each notice is in the owner's inbox (and e-mail), in the site's language, with a link to the
page where they act; nobody hears of their own doing, and other companies hear nothing."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from diagnosis.models import ActionItem, DataCheck
from diagnosis.workspace.consent import consent_grant
from diagnosis.workspace.plan import item_update, plan_from_roadmap
from onestop.models import Membership, Notification
from tests import deployment_factories as make
from tests import factories
from tests.datacheck_factories import small_csv
from tests.diagnosis_factories import submitted_assessment
from tests.workspace_factories import draft, signed_in, step

DESK = Notification.Kind.DESK_WORK


def desk_notices(user):
    return list(Notification.objects.filter(user=user, kind=DESK).order_by("pk"))


def site_text(message, **values):
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % values


def test_a_drafted_application_waits_in_the_owners_inbox_with_its_link(world):
    programme = make.programme()
    drafted = draft(world.company_a, world.consultant_a, programme)
    [notice] = desk_notices(world.owner_a)
    assert notice.url == reverse("diagnosis:draft_submit", args=[drafted.pk])
    assert notice.company == world.company_a
    assert notice.subject == site_text(
        "A draft application to “%(programme)s” is waiting for you", programme=programme.name
    )
    assert str(world.consultant_a) in notice.body
    # Nobody else: not a plain member, not the consultant, not the other company.
    assert not desk_notices(world.member_a)
    assert not desk_notices(world.consultant_a)
    assert not desk_notices(world.owner_b)
    # The owner finds it in the inbox, and the link opens the draft.
    owner = signed_in(world.owner_a)
    opener = reverse("notification_open", args=[notice.pk])
    assert opener in owner.get(reverse("inbox")).content.decode()
    opened = owner.post(opener)
    assert opened["Location"] == notice.url
    assert owner.get(notice.url).status_code == 200


def test_notices_are_written_in_the_sites_language_whoever_acts(world):
    programme = make.programme()
    with translation.override("en"):
        draft(world.company_a, world.consultant_a, programme)
    [notice] = desk_notices(world.owner_a)
    assert notice.subject == site_text(
        "A draft application to “%(programme)s” is waiting for you", programme=programme.name
    )


def test_a_plan_the_desk_builds_is_announced_to_the_owners_once(world):
    submitted_assessment(world.company_a, world.owner_a, maturity=0.2, seed=3)
    added = plan_from_roadmap(company=world.company_a, user=world.consultant_a)
    assert added
    [notice] = desk_notices(world.owner_a)
    assert notice.url == reverse("diagnosis:plan")
    assert str(len(added)) in notice.subject
    assert plan_from_roadmap(company=world.company_a, user=world.consultant_a) == []
    assert len(desk_notices(world.owner_a)) == 1  # nothing new, nothing said


def test_an_owner_building_their_own_plan_is_not_told_about_it(world):
    submitted_assessment(world.company_a, world.owner_a, maturity=0.2, seed=3)
    assert plan_from_roadmap(company=world.company_a, user=world.owner_a)
    assert not desk_notices(world.owner_a)


def test_the_person_given_a_step_hears_of_it_with_the_page_where_they_move_it(world):
    item = step(world.company_a, world.consultant_a, owner=world.member_a, title="센서 점검")
    [notice] = desk_notices(world.member_a)
    assert "센서 점검" in notice.subject
    assert notice.url == reverse("diagnosis:plan")
    due = timezone.localdate() + timedelta(days=30)
    assert due.isoformat() in notice.body  # as every page writes a date
    # Given to the consultant by the owner: the consultant's link is the desk's plan page.
    item_update(item=item, user=world.owner_a, owner=world.consultant_a)
    [to_desk] = desk_notices(world.consultant_a)
    assert to_desk.url == reverse("diagnosis:consultant_plan", args=[world.company_a.pk])
    # A change that keeps the owner, or a step someone gives themselves, says nothing.
    item_update(item=ActionItem.objects.get(pk=item.pk), user=world.owner_a, status="done")
    step(world.company_a, world.owner_a, owner=world.owner_a, title="예산 확보")
    assert len(desk_notices(world.consultant_a)) == 1
    assert not desk_notices(world.owner_a)


def test_data_uploaded_on_the_owners_consent_is_announced_with_the_checks_page(world):
    consent_grant(company=world.company_a, consultant=world.consultant_a, owner=world.owner_a)
    consultant = signed_in(world.consultant_a)
    consultant.post(
        reverse("diagnosis:consultant_data_upload", args=[world.company_a.pk]),
        {"file": SimpleUploadedFile("press.csv", small_csv())},
    )
    check = DataCheck.objects.get()
    [notice] = desk_notices(world.owner_a)
    assert notice.url == reverse("diagnosis:data_check", args=[check.pk])
    assert "press.csv" in notice.subject
    assert signed_in(world.owner_a).get(notice.url).status_code == 200


def test_an_upload_refused_for_want_of_consent_sends_no_notice(world):
    consultant = signed_in(world.consultant_a)
    consultant.post(
        reverse("diagnosis:consultant_data_upload", args=[world.company_a.pk]),
        {"file": SimpleUploadedFile("press.csv", small_csv())},
    )
    assert not DataCheck.objects.exists()
    assert not desk_notices(world.owner_a)


def test_a_notice_opens_its_own_companys_page_for_a_person_in_two_companies(world):
    """The draft's page reads the company from the session: opening the notice makes the
    notice's company current, whichever one the owner was looking at."""
    factories.add_member(world.company_b, world.owner_a, Membership.Role.OWNER)
    drafted = draft(world.company_a, world.consultant_a, make.programme())
    [notice] = desk_notices(world.owner_a)
    owner = signed_in(world.owner_a)
    owner.post(reverse("company_switch"), {"company": world.company_b.pk})
    opened = owner.post(reverse("notification_open", args=[notice.pk]))
    assert opened["Location"] == reverse("diagnosis:draft_submit", args=[drafted.pk])
    page = owner.get(opened["Location"])
    assert page.status_code == 200
    assert page.context["draft"] == drafted


def test_work_rolled_back_leaves_no_notice_and_inactive_owners_get_none(world):
    programme = make.programme()

    @transaction.atomic
    def drafted_then_failed():
        draft(world.company_a, world.consultant_a, programme)
        raise RuntimeError("the page failed after the draft")

    with pytest.raises(RuntimeError):
        drafted_then_failed()
    assert not desk_notices(world.owner_a)
    world.owner_a.is_active = False
    world.owner_a.save(update_fields=["is_active"])
    draft(world.company_a, world.consultant_a, programme)
    assert not desk_notices(world.owner_a)


def test_a_title_typed_over_two_lines_makes_a_one_line_subject(world, mailoutbox):
    step(world.company_a, world.consultant_a, owner=world.member_a, title="센서\n점검")
    [notice] = desk_notices(world.member_a)
    assert "\n" not in notice.subject
    assert "센서 점검" in notice.subject
