"""The current company of a signed-in person.

A person may belong to several companies; the one they work in is kept in the session and
re-checked against their memberships on every request, so a removed member loses access at
once.
"""

from django.utils.functional import SimpleLazyObject

from onestop.models import Membership

SESSION_KEY = "company_id"


def membership_for(request):
    user = request.user
    # A partner's API key authenticates a request but is not a person with memberships.
    if not user.is_authenticated or user.pk is None:
        return None
    memberships = Membership.objects.filter(user=user).select_related("company")
    chosen = request.session.get(SESSION_KEY)
    membership = None
    if chosen is not None:
        membership = memberships.filter(company_id=chosen).first()
    if membership is None:
        membership = memberships.order_by("company__name", "company_id").first()
        if membership is not None:
            request.session[SESSION_KEY] = membership.company_id
    return membership


def switch_company(request, company_id):
    """Make ``company_id`` current if the person belongs to it; returns the membership."""
    membership = (
        Membership.objects.filter(user=request.user, company_id=company_id)
        .select_related("company")
        .first()
    )
    if membership is not None:
        request.session[SESSION_KEY] = membership.company_id
        setattr(request, _CACHE_ATTR, membership)
    return membership


_CACHE_ATTR = "_onestop_membership"


def current_membership(request):
    """The membership of the current company, looked up once per request."""
    if not hasattr(request, _CACHE_ATTR):
        setattr(request, _CACHE_ATTR, membership_for(request))
    return getattr(request, _CACHE_ATTR)


def current_company(request):
    """Template context: the current company and the others the person can switch to."""
    membership = current_membership(request) if hasattr(request, "user") else None
    if membership is None:
        return {"current_membership": None, "current_company": None, "other_companies": []}

    def others():
        return [
            m.company
            for m in Membership.objects.filter(user=request.user)
            .exclude(company_id=membership.company_id)
            .select_related("company")
        ]

    return {
        "current_membership": membership,
        "current_company": membership.company,
        "other_companies": SimpleLazyObject(others),
    }
