"""How the portal's list pages page: ``?page=`` read leniently (a missing, bad or out-of-range
number shows the nearest page), each list with its own page size."""

from django.core.paginator import Paginator


def page_of(request, items, per_page):
    """The page of ``items`` (ordered) that the request asks for."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))
