"""Notices to a company's owners: decisions about their quota (approvals, waitlist moves,
cuts, extensions) reach them by e-mail as well as on the portal."""

from django.core.mail import send_mail
from django.utils import translation

from onestop.models import Company, Membership


def notify_company(company, subject, body):
    """Queue the mail for after the transaction commits."""
    from onestop.tasks import send_company_notice

    send_company_notice.delay_on_commit(company.pk, str(subject), str(body))


def company_notice_send(*, company_id, subject, body):
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return 0
    owners = list(
        Membership.objects.filter(company=company, role=Membership.Role.OWNER).values_list(
            "user__email", flat=True
        )
    )
    if owners:
        with translation.override("ko"):
            send_mail(
                subject=f"[OneStop] {subject}", message=body, from_email=None, recipient_list=owners
            )
    return len(owners)
