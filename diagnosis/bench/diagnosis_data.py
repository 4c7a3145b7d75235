"""The submitted assessments ``bench-diagnosis`` measures among, generated once per database.

Companies and their T0 assessments go in with ``bulk_create``, their scores (eight rows each)
with PostgreSQL's COPY, a chunk of 100,000 companies per transaction, so an interrupted run
resumes where it stopped. Scores come from scoring simulated answer sets with the real
questionnaire. Then the cohort summaries are recounted, as ``rebuild_cohort_summaries`` does
after rows loaded behind the portal's back.

Besides the crowd (manufacturers, KSIC section C), a few probe companies land on each wider
cohort: six construction firms of differing sizes (their industry is the narrowest cohort
with five others), seven wholesalers of one size in seven regions (industry and size), and
one software firm with no peers at all (everyone).
"""

import random
import time

from django.db import connection, transaction
from django.utils import timezone

CODE = "manufacturing-ai-readiness"
CHUNK = 100_000
POOL = 400
CROWD = [("29", 0.45), ("25", 0.25), ("22", 0.15), ("10", 0.1), ("26", 0.05)]
WIDE_INDUSTRY = "41"  # construction (F): a cohort of industry alone
WIDE_SIZE = "46"  # wholesale (G): a cohort of industry and size
LONER = "62"  # software (J): nobody else, so the cohort is everyone
SCORE_COLUMNS = (
    "company_id",
    "assessment_id",
    "questionnaire_code",
    "dimension",
    "score",
    "ksic_section",
    "employee_band",
    "region",
)


def populate(size):
    """``size`` crowd companies with a submitted T0 each, the probes, and the summaries.
    Returns a sentence on what was done."""
    from diagnosis.models import Assessment, CohortSummary
    from diagnosis.services.cohorts import cohort_summaries_rebuild

    existing = Assessment.objects.submitted().filter(company__name__startswith="bench ").count()
    started = time.perf_counter()
    if existing < size:
        questionnaire, pool = _questionnaire_and_pool()
        rng = random.Random(existing + 1)
        for offset in range(existing, size, CHUNK):
            count = min(CHUNK, size - offset)
            _chunk(questionnaire, pool, rng, offset, [_crowd_keys(rng) for _ in range(count)])
        done = f"generated {size - existing:,} assessments"
    else:
        done = f"reused {existing:,} assessments from an earlier run"
    if not Assessment.objects.filter(company__name__startswith="probe ").exists():
        questionnaire, pool = _questionnaire_and_pool()
        _chunk(questionnaire, pool, random.Random(0), 0, _probe_keys(), prefix="probe")
    with connection.cursor() as cursor:
        # What autovacuum does on a live server: statistics and the visibility map.
        cursor.execute("VACUUM ANALYZE diagnosis_cohortscore")
    if existing < size or not CohortSummary.objects.exists():
        cohort_summaries_rebuild()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE diagnosis_cohortsummary")
        done += ", scores and summaries"
    return f"{done} in {time.perf_counter() - started:.0f} s"


def loner():
    """The company with no peers: the cohort widens to everyone."""
    from onestop.korea import registration_number_with_check_digit
    from onestop.models import Company

    return Company.objects.filter(name="bench loner").first() or Company.objects.create(
        name="bench loner",
        registration_number=registration_number_with_check_digit("620810000"),
        ksic_division=LONER,
        employee_band="10-49",
        region="jeju",
        contact_name="bench",
        contact_email="bench@example.com",
    )


def _questionnaire_and_pool():
    from diagnosis.models import Questionnaire
    from diagnosis.questionnaire.scoring import score
    from diagnosis.questionnaire.simulated import simulated_answers
    from diagnosis.services.questionnaires import questionnaire_publish_all

    questionnaire_publish_all()
    questionnaire = Questionnaire.objects.latest_of(CODE)
    spec = questionnaire.spec
    rng = random.Random(1)
    pool = []
    for i in range(POOL):
        result = score(spec, [simulated_answers(spec, maturity=rng.random(), seed=i)])
        scores = {**result.dimensions, "overall": result.overall}
        pool.append([(d, s) for d, s in scores.items() if s is not None])
    return questionnaire, pool


def _crowd_keys(rng):
    from onestop.korea import EmployeeBand, Region

    division = rng.choices([d for d, _ in CROWD], [w for _, w in CROWD])[0]
    return division, rng.choice(EmployeeBand.values), rng.choice(Region.values)


def _probe_keys():
    from onestop.korea import EmployeeBand, Region

    bands, regions = EmployeeBand.values, Region.values
    industry = [(WIDE_INDUSTRY, bands[i % len(bands)], regions[i]) for i in range(6)]
    size = [(WIDE_SIZE, "10-49", regions[i]) for i in range(7)]
    return industry + size


def _chunk(questionnaire, pool, rng, offset, keys, prefix="bench"):
    """Companies with ``keys`` (division, band, region), a submitted T0 each, and its scores,
    in one transaction."""
    from diagnosis.models import Assessment
    from onestop.korea import ksic_section_of, registration_number_with_check_digit
    from onestop.models import Company

    first_digit = "9" if prefix == "probe" else "0"
    now = timezone.now()
    with transaction.atomic():
        companies = Company.objects.bulk_create(
            [
                Company(
                    name=f"{prefix} {offset + i}",
                    registration_number=registration_number_with_check_digit(
                        f"{first_digit}{offset + i + 1:08d}"
                    ),
                    ksic_division=division,
                    employee_band=band,
                    region=region,
                    contact_name="bench",
                    contact_email="bench@example.com",
                )
                for i, (division, band, region) in enumerate(keys)
            ],
            batch_size=10_000,
        )
        assessments = Assessment.objects.bulk_create(
            [
                Assessment(
                    company=company,
                    questionnaire=questionnaire,
                    stage="T0",
                    status=Assessment.Status.SUBMITTED,
                    submitted_at=now,
                )
                for company in companies
            ],
            batch_size=10_000,
        )
        columns = ", ".join(SCORE_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY diagnosis_cohortscore ({columns}) FROM STDIN") as copy,
        ):
            for company, assessment in zip(companies, assessments, strict=True):
                section = ksic_section_of(company.ksic_division)
                for dimension, score in rng.choice(pool):
                    copy.write_row(
                        (
                            company.pk,
                            assessment.pk,
                            CODE,
                            dimension,
                            score,
                            section,
                            company.employee_band,
                            company.region,
                        )
                    )
