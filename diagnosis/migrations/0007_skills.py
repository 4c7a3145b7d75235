import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0006_field_names"),
        ("deployment", "0016_model_health_and_vouchers"),
        ("onestop", "0010_notification_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Course",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("provider", models.CharField(max_length=200, verbose_name="provider")),
                (
                    "description",
                    models.TextField(blank=True, max_length=2000, verbose_name="what it covers"),
                ),
                (
                    "level",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "Knows the basics"),
                            (2, "Does it in daily work"),
                            (3, "Leads it and teaches others"),
                        ],
                        help_text="Completing it raises the level in its roles up to this.",
                        verbose_name="level",
                    ),
                ),
                (
                    "format",
                    models.CharField(
                        choices=[
                            ("online", "Online"),
                            ("classroom", "Classroom"),
                            ("on_site", "On site at the plant"),
                        ],
                        max_length=10,
                        verbose_name="format",
                    ),
                ),
                ("hours", models.PositiveSmallIntegerField(verbose_name="hours")),
                ("cost_won", models.PositiveIntegerField(verbose_name="cost (won)")),
                (
                    "subsidy_won",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="The part a support programme pays.",
                        verbose_name="subsidy (won)",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("ko", "Korean"), ("en", "English")],
                        default="ko",
                        max_length=2,
                        verbose_name="language",
                    ),
                ),
                ("roles", models.JSONField(default=list, verbose_name="roles it builds")),
                ("url", models.URLField(blank=True, verbose_name="web page")),
                (
                    "is_demo",
                    models.BooleanField(
                        default=False,
                        help_text="Made up for the demo; not a real course.",
                        verbose_name="demo course",
                    ),
                ),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="Untick to retire a course people took.",
                        verbose_name="offered",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
            ],
            options={
                "verbose_name": "course",
                "verbose_name_plural": "courses",
                "ordering": ["level", "title", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("subsidy_won__lte", models.F("cost_won"))),
                        name="course_subsidy_within_cost",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("level__gte", 1), ("level__lte", 3)),
                        name="course_level_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("hours__gte", 1)), name="course_hours_positive"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="StaffMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "job_title",
                    models.CharField(
                        blank=True,
                        help_text="Plant manager, line 3 operator, …",
                        max_length=100,
                        verbose_name="job",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staff_members",
                        to="onestop.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="added by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="portal login",
                    ),
                ),
            ],
            options={
                "verbose_name": "staff member",
                "verbose_name_plural": "staff members",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="SelfCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("answers", models.JSONField(default=dict, verbose_name="answers")),
                ("levels", models.JSONField(default=dict, verbose_name="levels")),
                (
                    "taken_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="taken"),
                ),
                (
                    "taken_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="answered by",
                    ),
                ),
                (
                    "staff_member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="self_checks",
                        to="diagnosis.staffmember",
                        verbose_name="staff member",
                    ),
                ),
            ],
            options={
                "verbose_name": "self-check",
                "verbose_name_plural": "self-checks",
                "ordering": ["-taken_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Enrolment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("champion", "AI champion"),
                            ("data_owner", "Data owner"),
                            ("operator", "Model operator"),
                            ("engineer", "Retraining engineer"),
                        ],
                        max_length=12,
                        verbose_name="for the role",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("enrolled", "Enrolled"),
                            ("completed", "Completed"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="enrolled",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("enrolled_at", models.DateTimeField(auto_now_add=True, verbose_name="enrolled")),
                (
                    "completed_on",
                    models.DateField(blank=True, null=True, verbose_name="completed on"),
                ),
                ("certificate_name", models.CharField(blank=True, editable=False, max_length=80)),
                (
                    "certificate_type",
                    models.CharField(
                        blank=True,
                        choices=[("pdf", "PDF"), ("png", "PNG"), ("jpg", "JPEG")],
                        max_length=3,
                        verbose_name="certificate type",
                    ),
                ),
                (
                    "certificate_size",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="certificate size"
                    ),
                ),
                (
                    "certificate_uploaded_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="certificate uploaded"
                    ),
                ),
                (
                    "course",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolments",
                        to="diagnosis.course",
                        verbose_name="course",
                    ),
                ),
                (
                    "enrolled_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="enrolled by",
                    ),
                ),
                (
                    "staff_member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="enrolments",
                        to="diagnosis.staffmember",
                        verbose_name="staff member",
                    ),
                ),
            ],
            options={
                "verbose_name": "enrolment",
                "verbose_name_plural": "enrolments",
                "ordering": ["-enrolled_at", "-id"],
            },
        ),
        migrations.AddIndex(
            model_name="staffmember",
            index=models.Index(fields=["company", "name"], name="staff_member_company_name"),
        ),
        migrations.AddConstraint(
            model_name="staffmember",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False)),
                fields=("company", "user"),
                name="staff_member_one_per_login",
            ),
        ),
        migrations.AddIndex(
            model_name="selfcheck",
            index=models.Index(fields=["staff_member", "taken_at"], name="self_check_member_time"),
        ),
        migrations.AddIndex(
            model_name="enrolment",
            index=models.Index(fields=["staff_member", "status"], name="enrolment_member_status"),
        ),
        migrations.AddConstraint(
            model_name="enrolment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "cancelled"), _negated=True),
                fields=("staff_member", "course"),
                name="enrolment_once_per_course",
            ),
        ),
        migrations.AddConstraint(
            model_name="enrolment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("completed_on__isnull", False), ("status", "completed")),
                    models.Q(
                        models.Q(("status", "completed"), _negated=True),
                        ("completed_on__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="enrolment_completed_has_date",
            ),
        ),
    ]
