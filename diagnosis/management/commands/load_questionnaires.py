from django.core.management.base import BaseCommand, CommandError

from diagnosis.questionnaire.spec import SpecError
from diagnosis.services.questionnaires import PublishedVersionChanged, questionnaire_publish_all


class Command(BaseCommand):
    help = "Publish every questionnaire file in diagnosis/content/ that is not published yet."

    def handle(self, *args, **options):
        try:
            results = questionnaire_publish_all()
        except (SpecError, PublishedVersionChanged) as exc:
            raise CommandError(str(exc)) from exc
        for questionnaire, created in results:
            state = "published" if created else "already published"
            self.stdout.write(f"{questionnaire.code} v{questionnaire.version}: {state}")
