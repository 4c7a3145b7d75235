"""The replica token: what an endpoint's replicas on a cluster show OneStop (to fetch the
model and say where they answer) and what OneStop's gateway shows them (to be served).

It is derived from the endpoint and the server's secret key rather than stored: nothing to
leak from the database, nothing to rotate by hand. Its shape, ``rp_<endpoint id>_<hmac>``,
names the endpoint it opens, so checking one costs an HMAC and no search."""

import hashlib
import hmac
import re

from django.conf import settings

SHAPE = re.compile(r"rp_(?P<endpoint>[0-9]{1,18})_(?P<mac>[0-9a-f]{64})")


def replica_token(endpoint_id):
    return f"rp_{endpoint_id}_{_mac(endpoint_id)}"


def endpoint_id_for(raw):
    """The endpoint id the token opens, or None."""
    match = SHAPE.fullmatch(raw or "")
    if match is None:
        return None
    endpoint_id = int(match["endpoint"])
    return endpoint_id if hmac.compare_digest(match["mac"], _mac(endpoint_id)) else None


def _mac(endpoint_id):
    message = f"onestop-replica:{endpoint_id}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
