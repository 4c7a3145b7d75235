from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeploymentConfig(AppConfig):
    name = "deployment"
    verbose_name = _("Deployment")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Desk shows these without importing Deployment (see onestop.registry).
        from deployment import journey
        from deployment.models.compute import Flavor
        from deployment.programmes.outcomes import report_facts
        from onestop import registry

        registry.register_journey_step("apply", journey.apply_step)
        registry.register_journey_step("deploy", journey.deploy_step)
        registry.register_journey_step("evaluate", journey.evaluate_step)
        registry.register_flavor_labels(dict(Flavor.choices))
        registry.register_report_facts(report_facts)
        registry.register_demo_seeder(seed_demo_deployment)


def seed_demo_deployment():
    """The demo catalog, programme and ready endpoint. Imported when seeding, not at start-up:
    the demo catalog trains its models with numpy and onnx, which no serving process needs."""
    from deployment.demo import seed_demo_catalog, seed_demo_programme
    from deployment.demo_serving import seed_demo_endpoint

    seed_demo_catalog()
    seed_demo_programme()
    seed_demo_endpoint()
