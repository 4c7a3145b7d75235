from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Desk shows these without importing Diagnosis (see onestop.registry).
        from diagnosis import demo, evidence, journey
        from diagnosis.skills import demo as skills_demo
        from onestop import registry

        registry.register_journey_step("diagnose", journey.diagnose_step)
        registry.register_journey_step("match", journey.match_step)
        registry.register_application_evidence(evidence.application_evidence)
        registry.register_plan_suggestion(evidence.plan_suggestion)
        registry.register_report_facts(evidence.report_kpi)
        registry.register_demo_seeder(demo.seed_demo_diagnosis)
        registry.register_demo_seeder(skills_demo.seed_demo_skills)
        # A deleted assessment (alone or with its company) takes its benchmark entry out of
        # the cohort summaries before the cascade deletes the rows behind them.
        from django.db.models.signals import pre_delete

        from diagnosis.services.cohorts import assessment_deleting

        pre_delete.connect(
            assessment_deleting, sender="diagnosis.Assessment", dispatch_uid="cohort-summaries"
        )
