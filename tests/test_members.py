import pytest
from django.core import mail
from django.urls import reverse

from onestop.models import AuditEntry, Invitation, Membership
from tests import factories


def test_an_owner_invites_a_teammate_by_email_link(
    owner_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("members"), {"email": "Plant.Manager@Example.com", "role": "member"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="plant.manager@example.com")
    assert invitation.is_open
    [message] = mail.outbox
    assert message.to == ["plant.manager@example.com"]
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    # The link carries the token; the database only its hash.
    assert Invitation.hash_token(token) == invitation.token_hash
    assert token not in invitation.token_hash


def test_an_invitee_signs_up_without_a_company_and_joins(client, world):
    invitation, token = factories.make_invitation(world.company_a, "newcomer@example.com")
    accept_url = reverse("invitation_accept", args=[token])
    response = client.get(accept_url)
    assert response.status_code == 302
    signup_url = f"{reverse('signup')}?next={accept_url}"
    form = client.get(signup_url)
    assert "registration_number" not in form.context["form"].fields
    client.post(
        signup_url,
        {
            "full_name": "새 직원",
            "email": "newcomer@example.com",
            "password1": "forge-and-anvil-9",
            "password2": "forge-and-anvil-9",
            "next": accept_url,
        },
    )
    response = client.post(accept_url)
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="newcomer@example.com")
    assert membership.company == world.company_a
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # The link is spent.
    again = client.post(accept_url)
    assert again.status_code == 302  # the same person accepting twice just lands in the company
    other = factories.make_user("someone@example.com")
    client.force_login(other)
    assert client.post(accept_url).status_code == 400


def test_an_invitation_for_another_address_cannot_be_accepted(client, world):
    _, token = factories.make_invitation(world.company_a, "intended@example.com")
    client.force_login(world.owner_b)
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 400
    assert "intended@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=world.owner_b, company=world.company_a).exists()


def test_an_unknown_token_is_a_404(client, world):
    client.force_login(world.owner_a)
    assert client.get(reverse("invitation_accept", args=["nope"])).status_code == 404


def test_inviting_an_existing_member_is_a_form_error(owner_client, world):
    response = owner_client.post(
        reverse("members"), {"email": world.member_a.email, "role": "member"}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_a_member_cannot_invite(client, world):
    client.force_login(world.member_a)
    client.post(reverse("members"), {"email": "x@example.com", "role": "owner"})
    assert not Invitation.objects.filter(email="x@example.com").exists()


def test_the_last_owner_cannot_be_removed(owner_client, world):
    second_owner = factories.make_user()
    membership = factories.add_member(world.company_a, second_owner, Membership.Role.OWNER)
    owner_client.post(reverse("member_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    own = world.membership(world.owner_a, world.company_a)
    response = owner_client.post(reverse("member_remove", args=[own.pk]), follow=True)
    assert Membership.objects.filter(pk=own.pk).exists()
    assert "소유자" in response.content.decode()
    assert AuditEntry.objects.filter(action="membership.remove").count() == 1


def test_a_person_in_two_companies_switches_between_them(client, world):
    factories.add_member(world.company_b, world.member_a)
    client.force_login(world.member_a)
    assert "에이정밀" in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("company_switch"), {"company": world.company_b.pk})
    response = client.get(reverse("dashboard"))
    assert response.context["company"] == world.company_b
    title = response.content.decode().split('data-testid="dashboard-title">')[1].split("</h1>")[0]
    assert "비금속" in title
    assert "에이정밀" not in title


def test_a_removed_member_loses_the_company_at_once(client, world):
    client.force_login(world.member_a)
    assert client.get(reverse("dashboard")).status_code == 200
    world.membership(world.member_a, world.company_a).delete()
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("company_new")


def test_owner_edits_the_company_profile_with_an_audit_entry(owner_client, world):
    response = owner_client.post(
        reverse("company_edit"),
        {
            "name": "에이정밀 주식회사",
            "registration_number": world.company_a.registration_number,
            "ksic_division": "25",
            "employee_band": "50-99",
            "region": "busan",
            "contact_name": "김에이",
            "contact_email": "a@example.com",
            "contact_phone": "",
        },
    )
    assert response.status_code == 302
    world.company_a.refresh_from_db()
    assert world.company_a.name == "에이정밀 주식회사"
    entry = AuditEntry.objects.get(action="company.update")
    assert entry.before["name"] == "에이정밀"
    assert entry.after["region"] == "busan"
    assert entry.actor == world.owner_a


def test_switching_to_an_absurd_company_id_is_a_404(owner_client, world):
    for value in ("99999999999999999999999", "-1", "abc", ""):
        response = owner_client.post(reverse("company_switch"), {"company": value})
        assert response.status_code == 404, value


def test_an_invitation_is_kept_when_the_mail_server_is_down(
    owner_client, world, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    from onestop.celery import app

    app.conf.task_eager_propagates = False  # the task fails and would be retried by a worker
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("members"), {"email": "late@example.com", "role": "member"}
        )
    assert response.status_code == 302
    assert Invitation.objects.get(email="late@example.com").is_open


def test_email_addresses_are_unique_whatever_their_case(world):
    from django.db import IntegrityError, transaction

    from onestop.models import User

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Owner.A@Example.com", full_name="dup")
