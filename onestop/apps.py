from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnestopConfig(AppConfig):
    name = "onestop"
    verbose_name = _("One-stop desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from onestop.celery import ensure_filesystem_broker_folders

        ensure_filesystem_broker_folders()
