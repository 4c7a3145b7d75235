"""People and skills: the course catalog officers keep, each company's staff, their self-checks
and their enrolments. A person's level in a role is derived from these records (see
``diagnosis.skills.levels``), never stored, so it can be read as it stood on any date: the
report of a later diagnosis stage compares the levels at both stages."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SkillRole(models.TextChoices):
    """The roles a manufacturer needs to run AI (what each means: ``diagnosis.skills.roles``)."""

    CHAMPION = "champion", _("AI champion")
    DATA_OWNER = "data_owner", _("Data owner")
    OPERATOR = "operator", _("Model operator")
    ENGINEER = "engineer", _("Retraining engineer")


class SkillLevel(models.IntegerChoices):
    NONE = 0, _("Not yet")
    BASICS = 1, _("Knows the basics")
    PRACTISING = 2, _("Does it in daily work")
    LEADING = 3, _("Leads it and teaches others")


class CourseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Course(models.Model):
    """A course in the catalog programme officers maintain in the admin."""

    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        CLASSROOM = "classroom", _("Classroom")
        ON_SITE = "on_site", _("On site at the plant")

    class Language(models.TextChoices):
        KOREAN = "ko", _("Korean")
        ENGLISH = "en", _("English")

    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    description = models.TextField(_("what it covers"), max_length=2000, blank=True)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=[(c.value, c.label) for c in SkillLevel if c.value > 0],
        help_text=_("Completing it raises the level in its roles up to this."),
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    hours = models.PositiveSmallIntegerField(_("hours"))
    cost_won = models.PositiveIntegerField(_("cost (won)"))
    subsidy_won = models.PositiveIntegerField(
        _("subsidy (won)"), default=0, help_text=_("The part a support programme pays.")
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.KOREAN
    )
    # A short list of SkillRole codes, checked in clean(); the catalog is small enough for the
    # learning path to filter it in Python (SQLite cannot query inside JSON lists).
    roles = models.JSONField(_("roles it builds"), default=list)
    url = models.URLField(_("web page"), blank=True)
    is_demo = models.BooleanField(
        _("demo course"), default=False, help_text=_("Made up for the demo; not a real course.")
    )
    active = models.BooleanField(
        _("offered"), default=True, help_text=_("Untick to retire a course people took.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["level", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subsidy_won__lte=models.F("cost_won")),
                name="course_subsidy_within_cost",
            ),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="course_level_range"
            ),
            models.CheckConstraint(condition=models.Q(hours__gte=1), name="course_hours_positive"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        valid = set(SkillRole.values)
        if not self.roles or not isinstance(self.roles, list) or set(self.roles) - valid:
            raise ValidationError({"roles": _("Choose at least one of the roles.")})
        subsidy, cost = self.subsidy_won, self.cost_won
        if subsidy is not None and cost is not None and subsidy > cost:
            raise ValidationError({"subsidy_won": _("The subsidy cannot exceed the cost.")})

    @property
    def net_cost_won(self):
        return self.cost_won - self.subsidy_won

    def builds(self, role):
        return role in (self.roles or [])

    def role_labels(self):
        return [SkillRole(code).label for code in self.roles or [] if code in SkillRole.values]


class StaffMemberQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(company=company)

    def visible_to_staff(self, user):
        from onestop.roles import companies_seen_by

        return self.filter(company__in=companies_seen_by(user))


class StaffMember(models.Model):
    """A person who works at the company, named by its owners and teammates.

    Not a membership: the operators, team leaders and engineers who need AI skills mostly have
    no portal login, and a plant manager enrols them. A staff member may be linked to a
    member's login (``user``), so a teammate appears once, not twice; the skills belong to the
    person either way, and stay with the company when a login is removed."""

    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.CASCADE,
        related_name="staff_members",
        verbose_name=_("company"),
    )
    name = models.CharField(_("name"), max_length=100)
    job_title = models.CharField(
        _("job"), max_length=100, blank=True, help_text=_("Plant manager, line 3 operator, …")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("portal login"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"],
                condition=models.Q(user__isnull=False),
                name="staff_member_one_per_login",
            ),
        ]
        # The people page lists a company's staff by name.
        indexes = [models.Index(fields=["company", "name"], name="staff_member_company_name")]

    def __str__(self):
        return self.name


class SelfCheck(models.Model):
    """One taking of the self-check for a staff member: the answers and the level per role
    they give. Kept, not overwritten, so a level can be read as it stood on a past date."""

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="self_checks",
        verbose_name=_("staff member"),
    )
    answers = models.JSONField(_("answers"), default=dict)  # question code → bool
    levels = models.JSONField(_("levels"), default=dict)  # role code → 0..3
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        verbose_name = _("self-check")
        verbose_name_plural = _("self-checks")
        ordering = ["-taken_at", "-id"]
        # Levels read the latest self-check of each person (diagnosis.skills.levels).
        indexes = [models.Index(fields=["staff_member", "taken_at"], name="self_check_member_time")]

    def __str__(self):
        return f"{self.staff_member} · {self.taken_at:%Y-%m-%d}"


class EnrolmentQuerySet(models.QuerySet):
    def for_company(self, company):
        return self.filter(staff_member__company=company)

    def visible_to_staff(self, user):
        from onestop.roles import companies_seen_by

        return self.filter(staff_member__company__in=companies_seen_by(user))

    def completed(self):
        return self.filter(status=Enrolment.Status.COMPLETED)


class Enrolment(models.Model):
    """A staff member's place on a course: enrolled, then completed on a date (which raises
    their level in the course's roles) or cancelled; a certificate may be attached."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class CertificateType(models.TextChoices):
        PDF = "pdf", "PDF"
        PNG = "png", "PNG"
        JPEG = "jpg", "JPEG"

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("staff member"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("course")
    )
    # The learning path's role the enrolment was chosen for (empty: chosen from the catalog).
    role = models.CharField(_("for the role"), max_length=12, choices=SkillRole.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("enrolled by"),
    )
    enrolled_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    # The certificate's file under ONESTOP_CERTIFICATE_ROOT: a random name, never the
    # uploader's (see diagnosis.skills.certificates).
    certificate_name = models.CharField(max_length=80, blank=True, editable=False)
    certificate_type = models.CharField(
        _("certificate type"), max_length=3, choices=CertificateType.choices, blank=True
    )
    certificate_size = models.PositiveIntegerField(_("certificate size"), null=True, blank=True)
    certificate_uploaded_at = models.DateTimeField(_("certificate uploaded"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "course"],
                condition=~models.Q(status="cancelled"),
                name="enrolment_once_per_course",
            ),
            models.CheckConstraint(
                condition=models.Q(status="completed", completed_on__isnull=False)
                | (~models.Q(status="completed") & models.Q(completed_on__isnull=True)),
                name="enrolment_completed_has_date",
            ),
        ]
        # Levels read each person's completed courses (diagnosis.skills.levels).
        indexes = [
            models.Index(fields=["staff_member", "status"], name="enrolment_member_status"),
        ]

    def __str__(self):
        return f"{self.staff_member} · {self.course}"

    @property
    def has_certificate(self):
        return bool(self.certificate_name)
