"""OneStop: the project package and the one-stop desk core (tenants, partners, audit)."""

# Load the Celery app with Django so that @shared_task binds to it.
from onestop.celery import app as celery_app

__all__ = ["celery_app"]
