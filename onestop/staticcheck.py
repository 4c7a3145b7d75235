"""Refuse to start without collected static files where pages need them.

With ``DEBUG=0`` the static files storage looks every asset up in the manifest that
``manage.py collectstatic`` writes; without it every page that links a stylesheet fails with a
500. Better to stop at start-up with the command to run."""

from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def require_collected_static():
    storage = storages["staticfiles"]
    if isinstance(storage, ManifestFilesMixin) and storage.read_manifest() is None:
        raise ImproperlyConfigured(
            f"Static files are not collected in {storage.location}: run "
            "`python manage.py collectstatic --noinput` before starting with DEBUG=0."
        )
