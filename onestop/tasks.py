import smtplib

from celery import shared_task

from onestop.services import idempotency
from onestop.services.invitations import invitation_send_email

# Both tasks are safe to run twice, so a redelivery after a lost worker does no harm.
IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def ping(value):
    """Echo a value back: lets operators and tests prove that a worker consumes the broker."""
    return {"pong": value}


@shared_task(**IDEMPOTENT)
def purge_idempotency_records():
    return idempotency.idempotency_purge_expired()


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_invitation_email(invitation_id, link):
    # Not late-acked: a mail sent twice is worse than a retry scheduled by autoretry.
    return invitation_send_email(invitation_id=invitation_id, link=link)


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_notification_emails(notification_ids):
    # Each one is marked when sent, so a retry sends only those still unsent.
    from onestop.services.notifications import emails_send

    return emails_send(notification_ids)
