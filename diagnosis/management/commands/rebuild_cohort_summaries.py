from django.core.management.base import BaseCommand

from diagnosis.services.cohorts import cohort_summaries_rebuild


class Command(BaseCommand):
    help = (
        "Recount the peer benchmark's cohort summaries from the stored scores (after rows were "
        "loaded or removed outside the portal, e.g. with SQL)."
    )

    def handle(self, *args, **options):
        buckets = cohort_summaries_rebuild()
        self.stdout.write(f"{buckets:,} cohort buckets recounted")
