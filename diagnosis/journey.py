"""The dashboard's "Diagnose" step for one company (registered in DiagnosisConfig.ready())."""

from django.urls import reverse
from django.utils.translation import gettext as _

from diagnosis.models import Assessment, Screening
from diagnosis.questionnaire import screening as quick


def diagnose_step(company):
    """(state, url, status line) for the journey's first step."""
    latest = (
        Assessment.objects.for_company(company).select_related("result").order_by("-stage").first()
    )
    if latest is None:
        screening = Screening.objects.filter(company=company).first()
        if screening is None:
            return "todo", reverse("diagnosis:screening"), None, quick.MINUTES
        # The quick start opens the next steps; the full diagnosis stays proposed.
        return (
            "done",
            reverse("diagnosis:screening"),
            _(
                "Quick start: level %(level)s (approximate). The full diagnosis with your team "
                "takes about 20 minutes and starts with these answers."
            )
            % {"level": screening.level},
        )
    if latest.is_open:
        return (
            "in_progress",
            reverse("diagnosis:assessment", args=[latest.pk]),
            _("%(stage)s assessment in progress.") % {"stage": latest.get_stage_display()},
        )
    return (
        "done",
        reverse("diagnosis:report", args=[latest.pk]),
        _("%(stage)s: %(score)s / 100, level %(level)s.")
        % {
            "stage": latest.get_stage_display(),
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
        from diagnosis.services.datachecks import latest_ready_check

        if latest_ready_check(company) is None:
            return (
                "todo",
                reverse("diagnosis:data_home"),
                _("First upload a sample of your data (3 minutes): matching tests models on it."),
                8,
            )
        return (
            "todo",
            reverse("diagnosis:matching"),
            _("Your data is checked: pick a model and accelerator from your ranked matches."),
            5,
        )
    return (
        "done",
        reverse("diagnosis:matching"),
        _("Chosen: %(model)s on %(pool)s.") % {"model": choice.version, "pool": choice.pool},
    )
