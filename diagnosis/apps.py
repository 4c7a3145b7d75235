from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosisConfig(AppConfig):
    name = "diagnosis"
    verbose_name = _("Diagnosis")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Desk shows these without importing Diagnosis (see onestop.registry).
        from diagnosis import demo, evidence, journey
        from onestop import registry

        registry.register_journey_step("diagnose", journey.diagnose_step)
        registry.register_journey_step("match", journey.match_step)
        registry.register_application_evidence(evidence.application_evidence)
        registry.register_plan_suggestion(evidence.plan_suggestion)
        registry.register_report_facts(evidence.report_kpi)
        registry.register_demo_seeder(demo.seed_demo_diagnosis)
