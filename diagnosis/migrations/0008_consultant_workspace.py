import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0007_skills"),
        ("deployment", "0016_model_health_and_vouchers"),
        ("onestop", "0010_notification_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ActionItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="step")),
                (
                    "detail",
                    models.TextField(blank=True, max_length=4000, verbose_name="what to do"),
                ),
                (
                    "dimension",
                    models.CharField(blank=True, max_length=80, verbose_name="dimension"),
                ),
                ("due_on", models.DateField(verbose_name="due")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("in_progress", "In progress"),
                            ("done", "Done"),
                        ],
                        default="open",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed")),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="done")),
                (
                    "assessment",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="diagnosis.assessment",
                        verbose_name="diagnosis",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="action_items",
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
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
            options={
                "verbose_name": "action plan step",
                "verbose_name_plural": "action plan steps",
                "ordering": ["due_on", "pk"],
                "indexes": [
                    models.Index(fields=["company", "status", "due_on"], name="action_item_due_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("dimension", ""), _negated=True),
                        fields=("company", "assessment", "dimension"),
                        name="action_item_once_per_gap",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("done_at__isnull", False), ("status", "done")),
                            models.Q(
                                models.Q(("status", "done"), _negated=True),
                                ("done_at__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="action_item_done_has_time",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ApplicationDraft",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("flavor", models.CharField(max_length=20, verbose_name="flavor")),
                ("units", models.PositiveIntegerField(verbose_name="units")),
                (
                    "quarterly_plan",
                    models.JSONField(
                        default=list, verbose_name="quarterly usage plan (unit-hours)"
                    ),
                ),
                ("purpose", models.TextField(verbose_name="what the units are for")),
                (
                    "note",
                    models.TextField(blank=True, max_length=2000, verbose_name="note to the owner"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="drafted")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "Waiting for the owner"),
                            ("submitted", "Submitted by the owner"),
                        ],
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                (
                    "submitted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="submitted"),
                ),
                (
                    "application",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="onestop.application",
                        verbose_name="application",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="application_drafts",
                        to="onestop.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "drafted_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="drafted by",
                    ),
                ),
                (
                    "programme",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="onestop.programme",
                        verbose_name="programme",
                    ),
                ),
            ],
            options={
                "verbose_name": "application draft",
                "verbose_name_plural": "application drafts",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "draft"), ("submitted_at__isnull", True)),
                            models.Q(("state", "submitted"), ("submitted_at__isnull", False)),
                            _connector="OR",
                        ),
                        name="application_draft_submitted_has_time",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="UploadConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("portal", "granted by an owner in the portal"),
                            ("on_site", "given on site, recorded by the consultant"),
                        ],
                        max_length=10,
                        verbose_name="how it was given",
                    ),
                ),
                ("given_by_name", models.CharField(max_length=150, verbose_name="given by")),
                ("given_on", models.DateField(verbose_name="given on")),
                (
                    "how",
                    models.CharField(
                        blank=True,
                        help_text="On site: a signed form, an e-mail, said in front of a witness…",
                        max_length=300,
                        verbose_name="how",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="recorded")),
                (
                    "withdrawn_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="withdrawn"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="upload_consents",
                        to="onestop.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "consultant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="consultant",
                    ),
                ),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner who granted it",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "withdrawn_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="withdrawn by",
                    ),
                ),
            ],
            options={
                "verbose_name": "data upload consent",
                "verbose_name_plural": "data upload consents",
                "ordering": ["-created_at", "-pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("withdrawn_at__isnull", True)),
                        fields=("company", "consultant"),
                        name="consent_one_active_per_consultant",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("given_by_name", ""), _negated=True),
                            models.Q(
                                ("method", "portal"),
                                models.Q(("how", ""), _negated=True),
                                _connector="OR",
                            ),
                        ),
                        name="consent_says_who_and_how",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="VisitNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("visited_on", models.DateField(verbose_name="visit date")),
                ("text", models.TextField(max_length=8000, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="written")),
                (
                    "author",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="author",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="visit_notes",
                        to="onestop.company",
                        verbose_name="company",
                    ),
                ),
            ],
            options={
                "verbose_name": "visit note",
                "verbose_name_plural": "visit notes",
                "ordering": ["-visited_on", "-pk"],
                "indexes": [
                    models.Index(fields=["company", "-visited_on"], name="visit_note_company_idx")
                ],
            },
        ),
    ]
