import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
portal = get_asgi_application()

from deployment.serving.asgi import with_fast_lane  # noqa: E402 - needs Django set up

# /v2 inference calls skip the portal's middleware; see deployment/serving/asgi.py.
application = with_fast_lane(portal)
