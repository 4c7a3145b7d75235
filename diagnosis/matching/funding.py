"""Whether a match can be paid for: the company holds a grant on its pool, or an open
programme offers its pool's flavor (an application would bring a grant). A match that neither
covers is a dead end for the company today, so the page says so and points at what would work.
"""

from dataclasses import dataclass

from deployment.services.endpoints.queries import active_grants
from onestop.models import Application, Programme, ProgrammeFlavor

GRANTED = "granted"
PROGRAMME = "programme"


@dataclass(frozen=True)
class Funding:
    granted_pools: frozenset
    offered_flavors: frozenset
    # Flavors the company already holds an approved application for: applying again is
    # refused, so another pool of the flavor has nothing to pay for it.
    approved_flavors: frozenset = frozenset()

    def of(self, pool):
        """GRANTED, PROGRAMME or None (nothing pays for this pool now)."""
        if pool.pk in self.granted_pools:
            return GRANTED
        if pool.flavor in self.offered_flavors and pool.flavor not in self.approved_flavors:
            return PROGRAMME
        return None


def funding_for(company):
    return Funding(
        granted_pools=frozenset(active_grants(company).values_list("pool_id", flat=True)),
        offered_flavors=frozenset(
            ProgrammeFlavor.objects.filter(programme__open_for_applications=True).values_list(
                "flavor", flat=True
            )
        ),
        approved_flavors=frozenset(
            Application.objects.filter(
                company=company, state=Application.State.APPROVED
            ).values_list("flavor", flat=True)
        ),
    )


def open_programme_for(flavor):
    """The programme an owner applies to for ``flavor`` now (the newest open one), or None."""
    return (
        Programme.objects.filter(open_for_applications=True, flavors__flavor=flavor)
        .order_by("-year", "pk")
        .first()
    )


def mark_funding(matches, funding):
    """Set ``funding`` on each match and, on each one nothing pays for, ``instead``: the best
    funded match of the same model family (its NPU-ready form on an NPU pool, say), else the
    best funded match of any model."""
    for match in matches:
        match.funding = funding.of(match.pool)
    funded = [m for m in matches if m.funding]
    for match in matches:
        if match.funding:
            continue
        same_family = [m for m in funded if m.version.family_id == match.version.family_id]
        match.instead = (same_family or funded or [None])[0]
    return matches
