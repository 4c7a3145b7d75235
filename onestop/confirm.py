"""Asking before an irreversible action. The action's form posts without ``confirmed``; the
view answers with a page that says what will happen and posts the same form again with it.
Works without JavaScript, and a stray or replayed POST never does the irreversible thing by
itself."""

from django.shortcuts import render

FIELD = "confirmed"


def is_confirmed(request):
    return request.POST.get(FIELD) == "yes"


def ask_to_confirm(request, *, title, consequences, action, cancel_url, shown=()):
    """The confirmation page for this POST: the same fields, posted back with ``confirmed``,
    and the ``shown`` (name, value) pairs: what the page told the person (a price, say), so the
    view can refuse if it changed before they confirmed."""
    replaced = {name for name, _value in shown}
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in {FIELD, "csrfmiddlewaretoken", *replaced}
        for value in values
    ] + [(name, str(value)) for name, value in shown]
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "action": action,
            "cancel_url": cancel_url,
            "carried": carried,
            "target": request.get_full_path(),
        },
    )
