"""The dashboard's "Diagnose" step for one company (registered in DiagnosisConfig.ready())."""

from django.urls import reverse
from django.utils.translation import gettext as _

from diagnosis.models import Assessment


def diagnose_step(company):
    """(state, url, status line) for the journey's first step."""
    latest = (
        Assessment.objects.for_company(company).select_related("result").order_by("-stage").first()
    )
    if latest is None:
        return "todo", reverse("diagnosis:home"), None
    if latest.is_open:
        return (
            "in_progress",
            reverse("diagnosis:assessment", args=[latest.pk]),
            _("%(stage)s assessment in progress.") % {"stage": latest.stage},
        )
    return (
        "done",
        reverse("diagnosis:report", args=[latest.pk]),
        _("%(stage)s: %(score)s / 100, level %(level)s.")
        % {
            "stage": latest.stage,
            "score": f"{latest.result.overall:.0f}",
            "level": latest.result.level,
        },
    )


def match_step(company):
    """(state, url, status line) for the journey's matching step."""
    from diagnosis.models import MatchChoice

    choice = (
        MatchChoice.objects.filter(company=company)
        .select_related("version__family", "pool")
        .first()
    )
    if choice is None:
        return "todo", reverse("diagnosis:matching"), None
    return (
        "done",
        reverse("diagnosis:matching"),
        _("Chosen: %(model)s on %(pool)s.") % {"model": choice.version, "pool": choice.pool},
    )
