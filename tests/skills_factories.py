"""People and skills for tests: courses, staff, diagnoses with a weak dimension, and the
objects the authorisation matrix needs."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from diagnosis.models import Assessment, Course, Enrolment, SkillRole, StaffMember
from diagnosis.questionnaire.simulated import simulated_answers
from diagnosis.services.assessments import assessment_start, assessment_submit
from diagnosis.skills.certificates import certificate_attach
from diagnosis.skills.enrolment import enrolment_complete, enrolment_create
from tests.diagnosis_factories import answer, publish

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def course(title="교육 과정", *, roles=(SkillRole.CHAMPION,), level=2, **fields):
    defaults = {
        "provider": "교육기관",
        "format": Course.Format.ONLINE,
        "hours": 8,
        "cost_won": 300_000,
        "subsidy_won": 200_000,
    }
    return Course.objects.create(
        title=title, roles=[str(r) for r in roles], level=level, **{**defaults, **fields}
    )


def staff(company, name="홍길동", **fields):
    return StaffMember.objects.create(company=company, name=name, **fields)


def completed(member, of_course, *, on=None, user=None):
    enrolment = enrolment_create(member=member, course=of_course, user=user)
    if on is not None and on < timezone.localdate():  # taken back then, as well as completed
        Enrolment.objects.filter(pk=enrolment.pk).update(
            enrolled_at=timezone.now() - (timezone.localdate() - on)
        )
    return enrolment_complete(
        enrolment=enrolment, completed_on=on or timezone.localdate(), user=user
    )


def pdf_upload(name="certificate.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# The people dimension answered at its lowest: nobody on IT or data, no training, management
# and floor uninterested, no outside help.
WEAK_PEOPLE = {
    "it_data_staff": 0,
    "digital_skills": 0,
    "training_last_year": ["no_training"],
    "management_support": 0,
    "change_openness": 0,
    "external_expertise": "no",
}


def diagnosed(company, owner, *, overrides=None, maturity=0.85, seed=3):
    """A submitted assessment of a capable plant, with ``overrides`` answered instead."""
    publish()
    assessment = assessment_start(company=company, user=owner)
    answers = simulated_answers(assessment.questionnaire.spec, maturity=maturity, seed=seed)
    answers.update(overrides or {})
    answer(assessment, owner, answers=answers)
    assessment_submit(assessment=assessment, user=owner)
    return Assessment.objects.select_related("result", "questionnaire").get(pk=assessment.pk)


class SkillsObjects:
    """For company A and B: a staff member, and a completed enrolment with a PDF certificate;
    a second course to enrol in."""

    def __init__(self, world):
        self.course = course("매트릭스 과정")
        self.other_course = course("매트릭스 두 번째 과정")
        self.member_a = staff(world.company_a, "에이 작업자")
        self.member_b = staff(world.company_b, "비 작업자")
        self.enrolment_a = certificate_attach(
            enrolment=completed(self.member_a, self.course),
            upload=pdf_upload(),
            user=world.owner_a,
        )
        self.enrolment_b = certificate_attach(
            enrolment=completed(self.member_b, self.course),
            upload=pdf_upload(),
            user=world.owner_b,
        )


def skills_objects(world):
    if not hasattr(world, "_skills"):
        world._skills = SkillsObjects(world)
    return world._skills
