"""Demo people and skills for ``seed_demo``: a course catalog that is plainly made up (every
course is "데모 과정: …" from "데모 교육기관", flagged ``is_demo``; no real course or provider is
named), and 한빛정밀's people with self-checks, one completed course and one in progress.
Safe to run again: it fills in only what is missing."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from diagnosis.models import Course, Enrolment, SkillRole, StaffMember
from diagnosis.skills.people import self_check_save
from onestop.models import Company

PROVIDER = "데모 교육기관"
NOTE = "데모용으로 만든 과정입니다. 실제 과정이 아닙니다."
CHAMPION, DATA, OPERATOR, ENGINEER = SkillRole.values
ONLINE, CLASSROOM, ON_SITE = Course.Format.ONLINE, Course.Format.CLASSROOM, Course.Format.ON_SITE
# title, roles, level, format, hours, cost, subsidy
COURSES = [
    ("데모 과정: 현장 AI 리더 입문", [CHAMPION], 1, ONLINE, 8, 200_000, 160_000),
    ("데모 과정: AI 과제 기획과 성과 측정", [CHAMPION], 2, CLASSROOM, 16, 600_000, 480_000),
    ("데모 과정: 공장 데이터 관리 기초", [DATA], 1, ONLINE, 6, 150_000, 150_000),
    (
        "데모 과정: 데이터 품질과 거버넌스 실무",
        [DATA, CHAMPION],
        2,
        CLASSROOM,
        16,
        500_000,
        400_000,
    ),
    ("데모 과정: 모델 상태 읽기 — 드리프트와 정확도", [OPERATOR], 1, ONLINE, 4, 100_000, 100_000),
    ("데모 과정: 현장 모델 운영 실습", [OPERATOR], 2, ON_SITE, 12, 900_000, 720_000),
    ("데모 과정: 제조 데이터로 모델 학습하기", [ENGINEER], 2, CLASSROOM, 24, 1_200_000, 960_000),
    (
        "데모 과정: 재학습과 모델 교체 판단",
        [ENGINEER, OPERATOR],
        3,
        ON_SITE,
        16,
        1_500_000,
        1_200_000,
    ),
]
# name, job, login e-mail (seed_demo's people), self-check answers ticked
PEOPLE = [
    ("김민준", "대표", "owner@hanbit.example", ["champion_explain"]),
    (
        "이서연",
        "생산기술 엔지니어",
        "engineer@hanbit.example",
        ["data_where", "data_complete", "engineer_prepare"],
    ),
    ("박현수", "3라인 작업반장", None, ["operator_read"]),
    ("최유진", "품질 담당", None, []),
]


@transaction.atomic
def seed_demo_skills():
    for title, roles, level, fmt, hours, cost, subsidy in COURSES:
        Course.objects.get_or_create(
            title=title,
            defaults={
                "provider": PROVIDER,
                "description": NOTE,
                "roles": roles,
                "level": level,
                "format": fmt,
                "hours": hours,
                "cost_won": cost,
                "subsidy_won": subsidy,
                "is_demo": True,
            },
        )
    hanbit = Company.objects.filter(name="한빛정밀").first()
    if hanbit is None or StaffMember.objects.for_company(hanbit).exists():
        return
    logins = {m.user.email: m.user for m in hanbit.memberships.select_related("user")}
    people = {}
    for name, job, email, ticked in PEOPLE:
        member = StaffMember.objects.create(
            company=hanbit, name=name, job_title=job, user=logins.get(email)
        )
        self_check_save(member=member, answers=dict.fromkeys(ticked, True), user=None)
        people[name] = member
    courses = {course.title: course for course in Course.objects.filter(is_demo=True)}
    done = Enrolment.objects.create(
        staff_member=people["박현수"],
        course=courses[COURSES[4][0]],
        role=OPERATOR,
        status=Enrolment.Status.COMPLETED,
        completed_on=timezone.localdate() - timedelta(days=14),
    )
    # Taken before it was completed (auto_now_add sets today on create).
    Enrolment.objects.filter(pk=done.pk).update(enrolled_at=timezone.now() - timedelta(days=45))
    Enrolment.objects.create(
        staff_member=people["이서연"], course=courses[COURSES[6][0]], role=ENGINEER
    )
