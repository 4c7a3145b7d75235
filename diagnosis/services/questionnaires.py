"""Publishing questionnaire files: each version is loaded once and never changed."""

from django.db import transaction

from diagnosis.models import Questionnaire
from diagnosis.questionnaire import spec as spec_module


class PublishedVersionChanged(Exception):
    """A file's content differs from the version already published under its number."""


@transaction.atomic
def questionnaire_publish(*, path):
    """Load one file. Returns (questionnaire, created). A file whose version is already
    published with other content is refused: changes go into a new version file."""
    parsed, data = spec_module.load_file(path)
    existing = Questionnaire.objects.filter(code=parsed.code, version=parsed.version).first()
    if existing is not None:
        if existing.sha256 != parsed.sha256:
            raise PublishedVersionChanged(
                f"{path.name}: {parsed.code} v{parsed.version} is already published with other "
                f"content. Published versions are never edited; add version "
                f"{parsed.version + 1} as a new file."
            )
        return existing, False
    questionnaire = Questionnaire.objects.create(
        code=parsed.code,
        version=parsed.version,
        title=parsed.title.ko,
        content=data,
        sha256=parsed.sha256,
    )
    return questionnaire, True


def questionnaire_publish_all():
    return [questionnaire_publish(path=path) for path in spec_module.content_files()]
