from django.conf import settings
from django.db import migrations, models


def rebuild_summaries(apps, schema_editor):
    """Existing benchmark entries counted into the new summaries."""
    from diagnosis.services.cohorts import cohort_summaries_rebuild

    cohort_summaries_rebuild(
        score_model=apps.get_model("diagnosis", "CohortScore"),
        summary_model=apps.get_model("diagnosis", "CohortSummary"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("diagnosis", "0008_consultant_workspace"),
        ("deployment", "0016_model_health_and_vouchers"),
        ("onestop", "0010_notification_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CohortSummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("questionnaire_code", models.SlugField(db_index=False, max_length=80)),
                ("dimension", models.CharField(max_length=80)),
                ("width", models.PositiveSmallIntegerField()),
                ("ksic_section", models.CharField(blank=True, max_length=1)),
                ("employee_band", models.CharField(blank=True, max_length=10)),
                ("region", models.CharField(blank=True, max_length=20)),
                ("bucket", models.IntegerField()),
                ("count", models.IntegerField(default=0)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=(
                            "questionnaire_code",
                            "dimension",
                            "width",
                            "ksic_section",
                            "employee_band",
                            "region",
                            "bucket",
                        ),
                        name="cohort_summary_bucket",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("width__lte", 3)),
                        name="cohort_summary_width_at_most_3",
                    ),
                ],
            },
        ),
        migrations.RunPython(rebuild_summaries, migrations.RunPython.noop),
    ]
