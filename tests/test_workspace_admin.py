"""The consultant workspace's records in the desk's admin: read-only, and scoped like the
companies they belong to (a consultant sees those of the companies they work on)."""

from django.urls import reverse

from diagnosis.models import VisitNote
from diagnosis.workspace.consent import consent_grant
from tests import deployment_factories as make
from tests.workspace_factories import draft, signed_in, step


def test_the_desk_reads_a_companys_workspace_records_in_the_admin_scoped_to_its_companies(
    world,
):
    item = step(world.company_a, world.consultant_a, owner=world.member_a, title="센서 점검")
    consent = consent_grant(
        company=world.company_a, consultant=world.consultant_a, owner=world.owner_a
    )
    drafted = draft(world.company_a, world.consultant_a, make.programme())
    note = VisitNote.objects.create(
        company=world.company_a, author=world.consultant_a, visited_on=item.due_on, text="라인 2"
    )
    pages = {
        "actionitem": ("센서 점검", item),
        "uploadconsent": (consent.given_by_name, consent),
        "applicationdraft": (drafted.programme.name, drafted),
        "visitnote": ("에이정밀", note),
    }
    theirs, other, officer = (
        signed_in(world.consultant_a),
        signed_in(world.consultant_other),
        signed_in(world.officer),
    )
    for model, (shown, record) in pages.items():
        changelist = reverse(f"admin:diagnosis_{model}_changelist")
        assert shown in theirs.get(changelist).content.decode(), model
        assert shown in officer.get(changelist).content.decode(), model
        assert "에이정밀" not in other.get(changelist).content.decode(), model
        if record is not None:
            change = reverse(f"admin:diagnosis_{model}_change", args=[record.pk])
            assert theirs.get(change).status_code == 200, model
            assert other.get(change).status_code == 404, model


def test_workspace_records_cannot_be_changed_or_added_in_the_admin_even_by_officers(world):
    item = step(world.company_a, world.consultant_a, title="센서 점검")
    officer = signed_in(world.officer)
    change = reverse("admin:diagnosis_actionitem_change", args=[item.pk])
    assert officer.post(change, {"title": "바뀐 제목", "status": "done"}).status_code == 403
    delete = reverse("admin:diagnosis_actionitem_delete", args=[item.pk])
    assert officer.post(delete, {"post": "yes"}).status_code == 403
    item.refresh_from_db()
    assert (item.title, item.status) == ("센서 점검", "open")
    assert officer.get(reverse("admin:diagnosis_actionitem_add")).status_code == 403
