"""The desk's evaluation of a progress report. The first accepted report releases the rest of
the guarantee (see ``release``)."""

from django.db import transaction
from django.utils import timezone

from deployment.programmes.release import release_rest
from onestop.models import Application, ProgressReport
from onestop.services.audit import audit_record, audit_snapshot


def report_evaluate(*, report, reviewer, score, evaluation, accept):
    """(report, whether the rest of the guarantee was released)."""
    with transaction.atomic():
        report = (
            ProgressReport.objects.select_for_update()
            .select_related("application__programme")
            .get(pk=report.pk)
        )
        before = audit_snapshot(report)
        report.score, report.evaluation = score, evaluation
        report.evaluated_by, report.evaluated_at = reviewer, timezone.now()
        report.state = ProgressReport.State.ACCEPTED if accept else ProgressReport.State.RETURNED
        report.save()
        audit_record(
            action="report.evaluate",
            target=report,
            actor=reviewer,
            before=before,
            after=audit_snapshot(report),
            company=report.application.company,
        )
        application = report.application
        released = False
        if accept and application.rest_released_at is None:
            released = release_rest(application)
            if released:
                Application.objects.filter(pk=application.pk).update(
                    rest_released_at=timezone.now()
                )
    return report, released
