"""A secret shown once, after a redirect: the POST that creates it hands it over in the
session and the page that shows it takes it out, so reloading that page cannot create a second
one and cannot show the first again.

The session is stored on the server (the database backend), never in a cookie, and the secret
leaves it on the first view.
"""

SLOT = "shown_once"


def hand_over(request, kind, pk, secret):
    """Keep ``secret`` for the next view of object ``kind``/``pk``."""
    request.session[SLOT] = {"kind": kind, "pk": pk, "secret": secret}


def take(request, kind, pk):
    """The secret handed over for ``kind``/``pk``, or None when it was already shown (or never
    was handed over in this session). Taking it removes it."""
    held = request.session.get(SLOT)
    if not held or held.get("kind") != kind or held.get("pk") != pk:
        return None
    del request.session[SLOT]
    return held["secret"]
