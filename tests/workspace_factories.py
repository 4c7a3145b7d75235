"""The consultant's workspace for tests: steps, consents and drafts of companies A and B, made
through the services the pages use."""

from datetime import timedelta

from django.utils import timezone

from diagnosis.workspace.consent import consent_grant
from diagnosis.workspace.drafts import application_draft_create
from diagnosis.workspace.plan import item_add
from tests import deployment_factories as make
from tests.diagnosis_factories import diagnosis_objects


def signed_in(user):
    """A client of its own for ``user``, signed in (tests that need several people at once)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def step(company, user, *, owner=None, due_in_days=30, title="데이터 담당자 지정"):
    return item_add(
        company=company,
        user=user,
        title=title,
        owner=owner,
        due_on=timezone.localdate() + timedelta(days=due_in_days),
    )


def draft(company, consultant, programme, **fields):
    return application_draft_create(
        company=company,
        programme=programme,
        consultant=consultant,
        **{
            "flavor": "rbln-atom",
            "units": 2,
            "quarterly_plan": [500] * 8,
            "purpose": "설비 고장 예측 엔드포인트",
            "note": "검토 후 제출해 주세요.",
            **fields,
        },
    )


class WorkspaceObjects:
    """For company A and B: a step owned by the member (A) or the teammate (B), a consent
    each owner granted to its consultant, a draft of an application, and the owner's
    respondent on the open assessment."""

    def __init__(self, world):
        from tests.factories import make_staff

        consultant_b = make_staff(companies=[world.company_b])
        self.steps = (
            step(world.company_a, world.consultant_a, owner=world.member_a),
            step(world.company_b, consultant_b, owner=world.teammate_b),
        )
        self.consents = (
            consent_grant(
                company=world.company_a, consultant=world.consultant_a, owner=world.owner_a
            ),
            consent_grant(company=world.company_b, consultant=consultant_b, owner=world.owner_b),
        )
        programme = make.programme()
        self.drafts = (
            draft(world.company_a, world.consultant_a, programme),
            draft(world.company_b, consultant_b, programme),
        )
        self.world = world

    @property
    def respondents(self):
        """(Made only for the routes that need them: they cost a published questionnaire.)"""
        diagnosis = diagnosis_objects(self.world)
        return (
            diagnosis.open_a.respondents.get(user=self.world.owner_a),
            diagnosis.open_b.respondents.get(user=self.world.owner_b),
        )


def workspace_objects(world):
    if not hasattr(world, "_workspace"):
        world._workspace = WorkspaceObjects(world)
    return world._workspace
