"""The journey a company walks: diagnose → match → apply for quota → deploy → evaluate.

Each step reports its state for one company. Steps whose features are not built yet say so
plainly rather than pretending, and tell the person what the step will do for them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from onestop.registry import journey_step


@dataclass(frozen=True)
class JourneyStep:
    key: str
    title: str
    summary: str
    empty_state: str
    state: str  # "todo", "in_progress", "done" or "unavailable"
    url: str | None = None
    status: str | None = None


STEPS = (
    (
        "diagnose",
        _("Diagnose"),
        _("Answer a readiness questionnaire with your team and check a sample of your real data."),
        _("No diagnosis yet. It takes 15–25 minutes, and each teammate can answer on their own."),
    ),
    (
        "match",
        _("Match"),
        _("Find domestic models and compute that fit your data and your plant's needs."),
        _("Matching opens after your diagnosis: it uses your answers and your data."),
    ),
    (
        "apply",
        _("Apply for quota"),
        _("Apply to a support programme for GPU or NPU time, with the plan your match suggests."),
        _("No applications yet. You will apply with the diagnosis and match as evidence."),
    ),
    (
        "deploy",
        _("Deploy"),
        _("Run your model as an inference endpoint on the accelerators you were granted."),
        _("No endpoints yet. Once quota is granted, a model goes live in a few clicks."),
    ),
    (
        "evaluate",
        _("Evaluate"),
        _("Report progress and results; strong projects are extended for another year."),
        _("Nothing to report yet. Reports are due 1, 3 and 9 months after a grant starts."),
    ),
)


def journey_for(company):
    """The steps for ``company``. A step is live when an app has registered its provider (a
    function company → (state, url, status), see ``onestop.registry``); the others say plainly
    that they are not available yet."""
    steps = []
    for key, title, summary, empty in STEPS:
        state, url, status = "unavailable", None, None
        provider = journey_step(key)
        if provider is not None:
            state, url, status = provider(company)
        steps.append(
            JourneyStep(
                key=key,
                title=title,
                summary=summary,
                empty_state=empty,
                state=state,
                url=url,
                status=status,
            )
        )
    return steps
