"""The peer benchmark's cohort summaries stay equal to a recount of the scores behind them:
after submissions, re-submissions, deletions and (on PostgreSQL) submissions at the same
moment."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from diagnosis.models import CohortScore, CohortSummary
from diagnosis.models.peers import bucket_of
from diagnosis.questionnaire.peers import peer_benchmark
from diagnosis.services.assessments import assessment_start, assessment_submit
from diagnosis.services.cohorts import cohort_summary_counts, cohort_summary_recount
from onestop.korea import Region
from tests import factories
from tests.diagnosis_factories import answer, open_assessment, submitted_assessment
from tests.test_concurrency import run_together

CODE = "manufacturing-ai-readiness"
SAME = {"ksic_division": "29", "employee_band": "10-49", "region": Region.GYEONGNAM}


def recount():
    return {key: n for key, n in cohort_summary_recount().items() if n}


def test_summaries_follow_submissions_resubmissions_and_deletions(db):
    owners = [factories.make_user() for _ in range(4)]
    companies = [factories.make_company(owner=o, **SAME) for o in owners[:3]]
    companies.append(factories.make_company(owner=owners[3], region=Region.SEOUL))
    for n, (company, owner) in enumerate(zip(companies, owners, strict=True)):
        submitted_assessment(company, owner, seed=n, maturity=0.2 + 0.2 * n)
    assert cohort_summary_counts() == recount()
    overall = CohortSummary.objects.filter(dimension=CohortScore.OVERALL, count__gt=0)
    assert sum(overall.filter(width=0).values_list("count", flat=True)) == 4
    assert (
        sum(overall.filter(width=3, region=Region.GYEONGNAM).values_list("count", flat=True)) == 3
    )

    # A second stage moves the company's entry to its new scores: nothing counted twice.
    second = assessment_start(company=companies[0], user=owners[0])
    answer(second, owners[0], seed=50, maturity=0.9)
    assessment_submit(assessment=second, user=owners[0])
    assert cohort_summary_counts() == recount()
    assert sum(overall.filter(width=0).values_list("count", flat=True)) == 4

    # A company deleted by an officer takes its entry out of every cohort with it.
    companies[1].delete()
    assert cohort_summary_counts() == recount()
    assert sum(overall.filter(width=0).values_list("count", flat=True)) == 3


def test_the_rebuild_command_recounts_rows_changed_behind_the_summaries(db):
    for n in range(3):
        owner = factories.make_user()
        submitted_assessment(factories.make_company(owner=owner, **SAME), owner, seed=n)
    # Rows removed with SQL (as a data repair might), not through the portal.
    CohortScore.objects.filter(dimension="green").delete()
    assert cohort_summary_counts() != recount()
    out = io.StringIO()
    call_command("rebuild_cohort_summaries", stdout=out)
    assert "cohort buckets recounted" in out.getvalue()
    assert cohort_summary_counts() == recount()
    assert not CohortSummary.objects.filter(dimension="green").exists()


def test_the_percentile_leaves_out_the_company_even_after_it_moved_region(db):
    owners = [factories.make_user() for _ in range(7)]
    companies = [factories.make_company(owner=o, **SAME) for o in owners]
    for n, (company, owner) in enumerate(zip(companies, owners, strict=True)):
        submitted_assessment(company, owner, seed=n, maturity=0.1 * n)
    mine = companies[0]
    scores = dict(CohortScore.objects.filter(company=mine).values_list("dimension", "score"))
    benchmark = peer_benchmark(company=mine, questionnaire_code=CODE, scores=scores)
    assert benchmark.n == 6
    peers = sorted(
        CohortScore.objects.filter(dimension="overall")
        .exclude(company=mine)
        .values_list("score", flat=True)
    )
    below = sum(s < scores["overall"] for s in peers) + 0.5 * peers.count(scores["overall"])
    assert benchmark.standings["overall"].percentile == round(100 * below / 6, 1)
    assert benchmark.standings["overall"].median == round((peers[2] + peers[3]) / 2, 1)
    # It moved to Seoul after submitting: its stored entry (Gyeongnam) is not in its new,
    # empty regional cohort, and the wider cohort still leaves it out.
    mine.region = Region.SEOUL
    mine.save(update_fields=["region"])
    benchmark = peer_benchmark(company=mine, questionnaire_code=CODE, scores=scores)
    assert benchmark.narrowest_n == 0
    assert benchmark.keys == ("ksic_section", "employee_band")
    assert benchmark.n == 6


@pytest.mark.postgres
def test_concurrent_submissions_leave_the_summaries_equal_to_a_recount(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
    # Eight companies of one cohort give the same answers, so every submission adds to the
    # very same buckets; four of them are on their second stage, so they also leave the
    # buckets of their first at the same moment.
    submissions = []
    for n in range(8):
        owner = factories.make_user()
        company = factories.make_company(owner=owner, **SAME)
        if n % 2:
            submitted_assessment(company, owner, seed=100 + n, maturity=0.8)
        assessment = open_assessment(company, owner)
        answer(assessment, owner, seed=7, maturity=0.5)
        submissions.append((assessment, owner))

    outcomes = run_together(
        *[lambda a=a, o=o: assessment_submit(assessment=a, user=o) for a, o in submissions]
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert cohort_summary_counts() == recount()
    overall = CohortSummary.objects.filter(dimension=CohortScore.OVERALL, width=3)
    shared = overall.get(bucket=bucket_of(outcomes[0].overall))
    assert shared.count == 8
    assert sum(overall.values_list("count", flat=True)) == 8
