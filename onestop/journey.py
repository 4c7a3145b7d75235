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
    minutes: int | None = None  # a person's active time for the step, where it is known


STEPS = (
    (
        "diagnose",
        _("Diagnose"),
        _("Answer a readiness questionnaire with your team and check a sample of your real data."),
        _(
            "No diagnosis yet. The quick start takes 5 minutes; the full diagnosis, 20 minutes "
            "with your team, can follow."
        ),
        20,
    ),
    (
        "match",
        _("Match"),
        _("Find domestic models and compute that fit your data and your plant's needs."),
        _("Matching uses your diagnosis and your data: the quick start is enough to begin."),
        5,
    ),
    (
        "apply",
        _("Apply for quota"),
        _("Apply to a support programme for GPU or NPU time, with the plan your match suggests."),
        _("No applications yet. You will apply with the diagnosis and match as evidence."),
        5,
    ),
    (
        "deploy",
        _("Deploy"),
        _("Run your model as an inference endpoint on the accelerators you were granted."),
        _("No endpoints yet. Once quota is granted, a model goes live in a few clicks."),
        3,
    ),
    (
        "evaluate",
        _("Evaluate"),
        _("Report progress and results; strong projects are extended for another year."),
        _("Nothing to report yet. Reports are due 1, 3 and 9 months after a grant starts."),
        10,
    ),
)


def journey_for(company):
    """The steps for ``company``. A step is live when an app has registered its provider (a
    function company → (state, url, status) or (state, url, status, minutes), see
    ``onestop.registry``); the others say plainly that they are not available yet."""
    steps = []
    for key, title, summary, empty, usual_minutes in STEPS:
        state, url, status, minutes = "unavailable", None, None, usual_minutes
        provider = journey_step(key)
        if provider is not None:
            state, url, status, *estimate = provider(company)
            minutes = estimate[0] if estimate else usual_minutes
        steps.append(
            JourneyStep(
                key=key,
                title=title,
                summary=summary,
                empty_state=empty,
                state=state,
                url=url,
                status=status,
                minutes=minutes,
            )
        )
    return steps


def next_step(steps):
    """The first step a person can take now (to do or under way), or None when all are done."""
    return next((s for s in steps if s.state in ("todo", "in_progress")), None)
