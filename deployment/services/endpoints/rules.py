"""What an endpoint may ask for: a replica range within the grant, and a pool whose flavor
can run the model."""

from django.utils.translation import gettext as _

MAX_REPLICAS = 8


def replica_errors(min_replicas, max_replicas, units_per_replica, grant):
    """{field: message} for a replica range the grant cannot hold; empty when it can."""
    if not 1 <= min_replicas <= max_replicas <= MAX_REPLICAS:
        return {
            "min_replicas": _(
                "Replicas go from a minimum of at least 1 to a maximum of at most %(most)s, "
                "and the minimum cannot exceed the maximum."
            )
            % {"most": MAX_REPLICAS}
        }
    if min_replicas * units_per_replica > grant.guarantee_units:
        return {
            "min_replicas": _(
                "%(n)s replicas of %(units)s units need %(need)s units; your grant guarantees "
                "%(have)s."
            )
            % {
                "n": min_replicas,
                "units": units_per_replica,
                "need": min_replicas * units_per_replica,
                "have": grant.guarantee_units,
            }
        }
    return {}


def flavor_note(version, pool):
    """Why the pool's flavor cannot run the version, as validation found it."""
    for note in version.flavor_notes or []:
        if isinstance(note, dict) and note.get("flavor") == pool.flavor:
            return str(note.get("why") or "")
    return _("the model's operators or shapes do not fit this accelerator.")
