"""Owners invite teammates by an e-mail link; the invitee accepts while signed in."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.models import Invitation, Membership
from onestop.services.audit import audit_record, audit_snapshot


def invitation_link(token):
    return settings.SITE_URL + reverse("invitation_accept", args=[token])


@transaction.atomic
def invitation_create(*, company, email, role, invited_by):
    """Create an invitation and send its link. Returns (invitation, link).

    1. Refuse an address that already belongs to a member.
    2. Revoke any open invitation for the same address (the new link replaces it).
    3. Store only the token's hash and e-mail the link after commit.
    """
    email = email.strip().lower()
    if Membership.objects.filter(company=company, user__email__iexact=email).exists():
        raise ValidationError(
            _("%(email)s is already a member of this company.") % {"email": email}
        )
    now = timezone.now()
    Invitation.objects.filter(
        company=company, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        company=company,
        email=email,
        role=role,
        invited_by=invited_by,
        token_hash=Invitation.hash_token(token),
        expires_at=now + Invitation.VALID_FOR,
    )
    audit_record(
        action="invitation.create",
        target=invitation,
        actor=invited_by,
        after=audit_snapshot(invitation),
        company=company,
    )
    link = invitation_link(token)
    # Mail goes out from a worker once the invitation is committed: a slow or failing mail
    # server neither blocks the owner's page nor loses the invitation (the task retries).
    from onestop.tasks import send_invitation_email

    send_invitation_email.delay_on_commit(invitation.pk, link)
    return invitation, link


def invitation_send_email(*, invitation_id, link):
    """E-mail the link. Nothing to do when the invitation was revoked or used meanwhile."""
    invitation = (
        Invitation.objects.select_related("company", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_open:
        return False
    send_mail(
        subject=_("You are invited to %(company)s on OneStop") % {"company": invitation.company},
        message=_(
            "%(inviter)s invited you to join %(company)s on OneStop.\n\n"
            "Open this link to accept (valid for 7 days):\n%(link)s\n"
        )
        % {"inviter": invitation.invited_by, "company": invitation.company, "link": link},
        from_email=None,
        recipient_list=[invitation.email],
    )
    return True


@transaction.atomic
def invitation_accept(*, token, user):
    """Join the company the invitation is for. Safe to repeat: a second accept by the same
    person returns the same membership."""
    invitation = (
        Invitation.objects.select_for_update().by_token(token).select_related("company").first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise ValidationError(
            _("This invitation link is not valid. Ask the company's owner to send a new one.")
        )
    if invitation.accepted_at is not None:
        existing = Membership.objects.filter(user=user, company=invitation.company).first()
        if existing and invitation.accepted_by_id == user.pk:
            return existing
        raise ValidationError(_("This invitation has already been used."))
    if invitation.is_expired:
        raise ValidationError(
            _("This invitation has expired. Ask the company's owner to send a new one.")
        )
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, company=invitation.company, role=invitation.role
            )
    except IntegrityError:
        membership = Membership.objects.get(user=user, company=invitation.company)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="invitation.accept",
        target=invitation,
        actor=user,
        after=audit_snapshot(membership),
        company=invitation.company,
    )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation, actor):
    if not invitation.is_open:
        return invitation
    before = audit_snapshot(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        action="invitation.revoke",
        target=invitation,
        actor=actor,
        before=before,
        after=audit_snapshot(invitation),
        company=invitation.company,
    )
    return invitation
