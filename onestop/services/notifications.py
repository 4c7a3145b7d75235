"""Notifications: a row in each person's inbox, and an e-mail after the transaction commits
unless the person chose the inbox only. Who hears of what is decided here, in one place."""

import functools
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from onestop.models import Membership, Notification, User
from onestop.roles import OFFICER

logger = logging.getLogger(__name__)
Kind = Notification.Kind


def notify(users, *, kind, subject, body, url="", company=None, partner=None, key=""):
    """Put the notice in each person's inbox; those who want e-mail get it once the current
    transaction commits. With a ``key``, a person who already had that notice is skipped.
    Returns the notifications made."""
    made = []
    for user in {u.pk: u for u in users if u.is_active}.values():
        if key and Notification.objects.filter(user=user, key=key).exists():
            continue
        try:
            with transaction.atomic():  # two overlapping checks: the second one skips
                made.append(
                    Notification.objects.create(
                        user=user,
                        kind=kind,
                        # One line: it becomes an e-mail's Subject header, and a
                        # name or title people typed may hold a line break.
                        subject=" ".join(str(subject).split())[:200],
                        body=str(body),
                        url=url,
                        company=company,
                        partner=partner,
                        key=key,
                    )
                )
        except IntegrityError:
            continue
    by_email = [n.pk for n in made if n.user.notify_by_email]
    if by_email:
        from onestop.tasks import send_notification_emails

        send_notification_emails.delay_on_commit(by_email)
    return made


def site_language():
    """Notices are written in the site's language (Korean) whoever triggers them: an owner
    browsing in English must not send the consultant English. People choose no language of
    their own yet."""
    return translation.override(settings.LANGUAGE_CODE)


def in_site_language(notice):
    """Write the notice in the site's language, whoever's request or task sends it."""

    @functools.wraps(notice)
    def written(*args, **kwargs):
        with site_language():
            return notice(*args, **kwargs)

    return written


def company_owners(company):
    return User.objects.filter(
        memberships__company=company, memberships__role=Membership.Role.OWNER
    )


def company_reviewers(company):
    """Who reviews a company's work: its consultants, or the officers while it has none."""
    consultants = User.objects.filter(assignments__company=company, is_active=True, is_staff=True)
    if consultants.exists():
        return consultants
    return User.objects.filter(
        Q(staff_profile__role=OFFICER) | Q(is_superuser=True), is_active=True, is_staff=True
    )


def partner_members(partner):
    return User.objects.filter(partner_memberships__partner=partner)


def notify_company(company, subject, body, *, kind, url="", key=""):
    """A notice to the company's owners."""
    return notify(
        company_owners(company),
        kind=kind,
        subject=subject,
        body=body,
        url=url,
        company=company,
        key=key,
    )


def emails_send(notification_ids):
    """E-mail each notification not yet e-mailed to a person who still wants e-mail."""
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True, user__notify_by_email=True
    ).select_related("user"):
        link = f"\n\n{settings.SITE_URL}{notification.url}" if notification.url else ""
        with translation.override("ko"):
            send_mail(
                subject=f"[OneStop] {notification.subject}",
                message=notification.body + link,
                from_email=None,
                recipient_list=[notification.user.email],
            )
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def mark_read(user, ids=None):
    unread = Notification.objects.filter(user=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
