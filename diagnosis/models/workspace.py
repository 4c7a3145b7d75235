"""The consultant's workspace: what a consultant keeps about a client (visit notes), plans with
it (an action plan built from its roadmap), may do in its place (data uploads, with an owner's
consent) and prepares for it (application drafts that an owner submits)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onestop.registry import flavor_label


class UploadConsentQuerySet(models.QuerySet):
    def active(self):
        """Not withdrawn (in force only while its person is assigned: see ``in_force``)."""
        return self.filter(withdrawn_at__isnull=True)

    def in_force(self):
        """Consents not withdrawn whose desk member is assigned to the company now, and was
        already when the consent was recorded.

        Consent goes with looking after the company: a consultant who is unassigned loses it,
        and gets none back by being assigned again (the new assignment is newer than the
        consent), so the owner is asked again. Programme officers are held to the same rule:
        they see every company, but upload in a company's name only while assigned to it."""
        return self.active().filter(
            consultant__assignments__company=models.F("company"),
            consultant__assignments__created_at__lte=models.F("created_at"),
        )

    def for_upload(self, *, company, consultant):
        """The consent in force that lets ``consultant`` upload data for ``company``, or None."""
        return self.in_force().filter(company=company, consultant=consultant).first()


class UploadConsent(models.Model):
    """A company's consent to one desk member uploading data files in its name: granted by an
    owner in the portal, or given on site and recorded by the consultant with who, when and
    how. It names one person, so a new consultant asks again."""

    class Method(models.TextChoices):
        PORTAL = "portal", _("granted by an owner in the portal")
        ON_SITE = "on_site", _("given on site, recorded by the consultant")

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="upload_consents",
        verbose_name=_("company"),
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("consultant"),
    )
    method = models.CharField(_("how it was given"), max_length=10, choices=Method.choices)
    given_by_name = models.CharField(_("given by"), max_length=150)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner who granted it"),
    )
    given_on = models.DateField(_("given on"))
    how = models.CharField(
        _("how"),
        max_length=300,
        blank=True,
        help_text=_("On site: a signed form, an e-mail, said in front of a witness…"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )

    objects = UploadConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("data upload consent")
        verbose_name_plural = _("data upload consents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "consultant"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_consultant",
            ),
            # Who gave it, always; how, when it was not given in the portal.
            models.CheckConstraint(
                condition=~models.Q(given_by_name="")
                & (models.Q(method="portal") | ~models.Q(how="")),
                name="consent_says_who_and_how",
            ),
        ]

    def __str__(self):
        return f"{self.company} → {self.consultant} ({self.given_on})"

    @property
    def is_active(self):
        return self.withdrawn_at is None


class VisitNote(models.Model):
    """What a consultant noted about a visit: private to the desk, never shown to the company."""

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="visit_notes",
        verbose_name=_("company"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    visited_on = models.DateField(_("visit date"))
    text = models.TextField(_("note"), max_length=8000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit note")
        verbose_name_plural = _("visit notes")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            # The company's notes page and its handover, newest visit first.
            models.Index(fields=["company", "-visited_on"], name="visit_note_company_idx"),
        ]

    def __str__(self):
        # The audit log names the note by its date only: the text stays on the desk's pages.
        return f"{self.company} · {self.visited_on}"


class ActionItemQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def not_done(self):
        return self.exclude(status=ActionItem.Status.DONE)

    def overdue(self, today=None):
        return self.not_done().filter(due_on__lt=today or timezone.localdate())


class ActionItem(models.Model):
    """One step of a company's action plan: most come from a gap of its diagnosis roadmap. Its
    owner is a member of the company or its consultant; the company sees the whole plan."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="action_items",
        verbose_name=_("company"),
    )
    title = models.CharField(_("step"), max_length=200)
    detail = models.TextField(_("what to do"), blank=True, max_length=4000)
    # The roadmap gap the step closes (a dimension code of the assessment), or empty.
    assessment = models.ForeignKey(
        "diagnosis.Assessment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diagnosis"),
    )
    dimension = models.CharField(_("dimension"), max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("action plan step")
        verbose_name_plural = _("action plan steps")
        ordering = ["due_on", "pk"]
        constraints = [
            # Building the plan from the same roadmap twice adds nothing twice.
            models.UniqueConstraint(
                fields=["company", "assessment", "dimension"],
                condition=~models.Q(dimension=""),
                name="action_item_once_per_gap",
            ),
            models.CheckConstraint(
                condition=models.Q(status="done", done_at__isnull=False)
                | (~models.Q(status="done") & models.Q(done_at__isnull=True)),
                name="action_item_done_has_time",
            ),
        ]
        indexes = [
            # The client list's overdue steps and the plan pages.
            models.Index(fields=["company", "status", "due_on"], name="action_item_due_idx"),
        ]

    def __str__(self):
        return f"{self.company} · {self.title}"

    @property
    def is_overdue(self):
        return self.status != self.Status.DONE and self.due_on < timezone.localdate()

    def may_be_moved_by(self, membership):
        """Who moves a step on in the portal: the person who owns it, or an owner of the
        company."""
        return membership.is_owner or self.owner_id == membership.user_id


class ApplicationDraft(models.Model):
    """An application a consultant prepared for a company. Only an owner submits it: then it
    becomes a real application, with the owner as the one who submitted it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Waiting for the owner")
        SUBMITTED = "submitted", _("Submitted by the owner")

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="application_drafts",
        verbose_name=_("company"),
    )
    programme = models.ForeignKey(
        "onestop.Programme",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("programme"),
    )
    flavor = models.CharField(_("flavor"), max_length=20)
    units = models.PositiveIntegerField(_("units"))
    quarterly_plan = models.JSONField(_("quarterly usage plan (unit-hours)"), default=list)
    purpose = models.TextField(_("what the units are for"))
    note = models.TextField(_("note to the owner"), blank=True, max_length=2000)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created_at = models.DateTimeField(_("drafted"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    application = models.ForeignKey(
        "onestop.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("application"),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("application draft")
        verbose_name_plural = _("application drafts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft", submitted_at__isnull=True)
                | models.Q(state="submitted", submitted_at__isnull=False),
                name="application_draft_submitted_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.company} · {self.programme} · {self.flavor} × {self.units}"

    @property
    def is_open(self):
        return self.state == self.State.DRAFT

    @property
    def flavor_label(self):
        return flavor_label(self.flavor)
