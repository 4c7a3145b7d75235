"""Demo diagnoses for `seed_demo`: peers so the benchmark has real submitted assessments to
compare with, and a submitted T0 of 한빛정밀 answered by two people."""

from django.contrib.auth import get_user_model
from django.db import transaction

from diagnosis.models import Assessment
from diagnosis.questionnaire.scoring import NA as _NA
from diagnosis.questionnaire.simulated import simulated_answers
from diagnosis.services.assessments import (
    answers_save,
    assessment_start,
    assessment_submit,
    respondent_add,
)
from diagnosis.services.questionnaires import questionnaire_publish_all
from onestop.korea import EmployeeBand, Region, registration_number_with_check_digit
from onestop.models import Company, Membership

PEERS = 24


@transaction.atomic
def seed_demo_diagnosis():
    questionnaire_publish_all()
    regions = [Region.GYEONGNAM, Region.GYEONGGI, Region.GYEONGBUK, Region.INCHEON]
    bands = [EmployeeBand.B10_49, EmployeeBand.B50_99]
    User = get_user_model()
    for n in range(PEERS):
        company, created = Company.objects.get_or_create(
            registration_number=registration_number_with_check_digit(f"9{n:02d}810{n:03d}"),
            defaults={
                "name": f"데모 제조 {n + 1:02d}",
                "ksic_division": ("29", "25", "22")[n % 3],
                "employee_band": bands[n % 2],
                "region": regions[n % 4],
                "contact_name": "데모",
                "contact_email": f"peer{n:02d}@demo.example",
            },
        )
        if not created:
            continue
        owner, _ = User.objects.get_or_create(
            email=f"peer{n:02d}@demo.example", defaults={"full_name": f"데모 {n + 1:02d}"}
        )
        Membership.objects.create(user=owner, company=company, role=Membership.Role.OWNER)
        _answer_and_submit(company, [owner], maturity=0.2 + 0.6 * ((n * 37) % 24) / 23, seed=n)
    hanbit = Company.objects.filter(name="한빛정밀").first()
    if hanbit is not None and not Assessment.objects.filter(company=hanbit).exists():
        people = [m.user for m in hanbit.memberships.select_related("user").order_by("role")]
        _answer_and_submit(hanbit, people, maturity=0.4, seed=1000)


def _answer_and_submit(company, people, *, maturity, seed):
    owner = people[0]
    assessment = assessment_start(company=company, user=owner)
    spec = assessment.questionnaire.spec
    for index, person in enumerate(people):
        respondent = respondent_add(assessment=assessment, user=person, added_by=owner)
        answers = simulated_answers(spec, maturity=maturity + 0.1 * index, seed=seed * 10 + index)
        answers_save(
            respondent=respondent,
            answers={c: v for c, v in answers.items() if v is not _NA},
            not_applicable={c for c, v in answers.items() if v is _NA},
        )
    assessment_submit(assessment=assessment, user=owner)
