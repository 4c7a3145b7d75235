"""A secret shown once, after a redirect: the POST that creates it hands it over in the
session and the page that shows it takes it out, so reloading that page cannot create a second
one and cannot show the first again.

The session is stored on the server (the database backend), never in a cookie. The secret
leaves it on the first view, and a secret whose page was never opened (a closed tab) is
refused and dropped after ``LIFETIME_SECONDS``; the key's owner revokes it and issues another.
"""

import time

SLOT = "shown_once"
LIFETIME_SECONDS = 120


def hand_over(request, kind, pk, secret):
    """Keep ``secret`` for the next view of object ``kind``/``pk``."""
    request.session[SLOT] = {"kind": kind, "pk": pk, "secret": secret, "at": time.time()}


def take(request, kind, pk):
    """The secret handed over for ``kind``/``pk``, or None when it was already shown, has
    expired, or was never handed over in this session. Taking it removes it."""
    held = request.session.pop(SLOT, None)
    if not held or time.time() - held.get("at", 0) > LIFETIME_SECONDS:
        return None
    if held.get("kind") != kind or held.get("pk") != pk:
        request.session[SLOT] = held  # another object's secret stays for its own page
        return None
    return held["secret"]
