"""Notifications: each event a person waits for reaches their inbox, and their e-mail unless
they chose the inbox only; periodic notices (a report due, a cut coming) are sent once."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from deployment.notices import due_notices, endpoint_failed_notice, pool_unavailable_notice
from deployment.programmes.deciding import application_decide
from onestop.models import Notification, PartnerMembership
from tests import deployment_factories as make
from tests.test_usage_review import backdate, granted  # noqa: F401 - a fixture

Kind = Notification.Kind


def kinds(user):
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_an_application_reaches_its_consultant_and_the_decision_its_owner(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = make.application(world.company_a, world.owner_a)
    assert kinds(world.consultant_a) == [Kind.APPLICATION_RECEIVED]
    assert kinds(world.consultant_other) == []  # not assigned to company A
    assert any(world.consultant_a.email in m.to for m in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, reviewer=world.officer, approve=False)
    decided = Notification.objects.get(user=world.owner_a, kind=Kind.APPLICATION_DECIDED)
    assert decided.url == reverse("programmes")
    assert decided.emailed_at is not None
    assert kinds(world.member_a) == []  # owners decide on quota; members are not told


def test_a_company_without_a_consultant_is_reviewed_by_the_officers(
    world, django_capture_on_commit_callbacks
):
    make.application(world.company_b, world.owner_b)
    assert kinds(world.officer) == [Kind.APPLICATION_RECEIVED]


def test_inbox_only_means_no_e_mail(world, owner_client, django_capture_on_commit_callbacks):
    response = owner_client.post(reverse("inbox_settings"), {})
    assert response.status_code == 302
    world.owner_a.refresh_from_db()
    assert world.owner_a.notify_by_email is False
    application = make.application(world.company_a, world.owner_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_decide(application=application, reviewer=world.officer, approve=False)
    assert kinds(world.owner_a) == [Kind.APPLICATION_DECIDED]
    assert not any(world.owner_a.email in m.to for m in mail.outbox)


def test_the_inbox_shows_counts_opens_and_marks_read(world, owner_client):
    target = reverse("programmes")
    notice = Notification.objects.create(
        user=world.owner_a,
        kind=Kind.REPORT_DUE,
        subject="보고서 기한",
        body="본문",
        url=target,
    )
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="unread-count">1<' in dashboard
    inbox = owner_client.get(reverse("inbox")).content.decode()
    assert "보고서 기한" in inbox
    opened = owner_client.post(reverse("notification_open", args=[notice.pk]))
    assert opened["Location"] == target
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert (
        'data-testid="unread-count"' not in owner_client.get(reverse("dashboard")).content.decode()
    )


def test_a_notice_never_redirects_off_site_and_others_cannot_open_it(world, client):
    notice = Notification.objects.create(
        user=world.owner_a, kind=Kind.REPORT_DUE, subject="s", body="b", url="//evil.example/x"
    )
    client.force_login(world.owner_a)
    assert client.post(reverse("notification_open", args=[notice.pk]))["Location"] == reverse(
        "inbox"
    )
    client.force_login(world.owner_b)
    assert client.post(reverse("notification_open", args=[notice.pk])).status_code == 404


def test_endpoint_failure_and_an_unavailable_pool_are_told(world):
    pool = make.pool(flavor="rbln-atom", name="ATOM 풀", provider_partner=world.partner_p)
    PartnerMembership.objects.get_or_create(
        partner=world.partner_p,
        user=world.partner_user,
        defaults={"role": PartnerMembership.Role.OWNER},
    )
    pool_unavailable_notice(pool, "연결 거부")
    notice = Notification.objects.get(user=world.partner_user)
    assert notice.kind == Kind.POOL_UNAVAILABLE
    assert "연결 거부" in notice.body

    class Failed:
        pk, name, company = 1, "press-line-1", world.company_a

    endpoint_failed_notice(Failed, "모델을 불러오지 못했습니다")
    assert Kind.ENDPOINT_FAILED in kinds(world.owner_a)


def test_a_report_due_and_a_cut_coming_are_each_sent_once(world, granted):  # noqa: F811
    _pool, grant = granted
    # 80 days into the first quarter with nothing used: the month-1 report is overdue (the
    # month-3 one is ten days off, more than the week's warning), and at this pace the review
    # will cut.
    backdate(grant, 80)
    sent = due_notices()
    assert sorted(n.kind for n in sent) == [Kind.CUT_COMING, Kind.REPORT_DUE]
    assert due_notices() == []  # the same notices are never sent twice
    cut = Notification.objects.get(user=world.owner_a, kind=Kind.CUT_COMING)
    assert "0%" in cut.body


def test_the_inbox_says_so_when_it_is_empty(owner_client):
    page = owner_client.get(reverse("inbox")).content.decode()
    assert 'class="empty-state"' in page
    assert 'data-testid="notification-settings"' in page


def test_no_cut_warning_while_the_quarter_has_weeks_left(world, granted):  # noqa: F811
    _pool, grant = granted
    backdate(grant, 60)  # 31 days left in the quarter
    assert [n for n in due_notices() if n.kind == Kind.CUT_COMING] == []


def test_a_company_on_pace_is_not_warned_of_a_cut(world, granted):  # noqa: F811
    """75 % of the plan for the weeks gone is no cut, though it is 66 % of the whole quarter."""
    from deployment.models import AllocationEvent, Workload

    pool, grant = granted
    backdate(grant, 80)
    # 1000 unit-hours planned for the quarter and 80 of its 91 days gone: one unit run for
    # 0.75 × 1000 × 80/91 ≈ 659 hours is on pace (a whole-quarter share of 0.66 would cut 20 %).
    started = timezone.now() - timedelta(hours=0.75 * 1000 * 80 / 91)
    work = Workload.objects.create(
        company=world.company_a, pool=pool, name="야간 배치", kind="training", units=1
    )
    for action, at in (("admit", started), ("finish", timezone.now())):
        event = AllocationEvent.objects.create(
            pool=pool, company=world.company_a, workload=work, action=action, reason="static"
        )
        AllocationEvent.objects.filter(pk=event.pk).update(at=at)
    assert [n for n in due_notices() if n.kind == Kind.CUT_COMING] == []
