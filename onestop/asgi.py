import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.settings")
portal = get_asgi_application()

from deployment.serving.asgi import with_fast_lane  # noqa: E402 - needs Django set up
from onestop.bodylimits import limit_bodies  # noqa: E402
from onestop.staticcheck import require_collected_static  # noqa: E402

require_collected_static()
# /v2 inference calls skip the portal's middleware (the lane limits its own bodies); see
# deployment/serving/asgi.py. Everything else has its body size checked before Django reads it.
application = with_fast_lane(limit_bodies(portal))
