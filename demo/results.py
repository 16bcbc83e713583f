"""Conduct and results of the demo school's last year, entered and decided through the services as
the school would have: each homeroom teacher rates conduct for both terms and confirms the
attendance months, computes and proposes the results of term I, term II and the year; the principal
approves them; the students sent to the summer take their re-assessment (and training) and pass,
so every one of them is in the next grade this year, as the demo's classes say. The current year
has no results yet. Deterministic: a fixed random seed, fixed moments of last year.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import Role, RoleGrant
from attendance.selectors import year_months
from attendance.services import attendance_month_complete
from grades.models import SUMMER, TERM1, TERM2, YEAR, StudentResult
from grades.results_selectors import SUMMER_OUTCOMES
from grades.results_services import (
    ConductEntry,
    RetestEntry,
    conduct_record_many,
    results_approve,
    results_compute,
    results_propose,
    retest_record_many,
)
from schools.models import ClassGroup, ClassSubject, Enrolment, HomeroomAssignment, SchoolYear, TeachingAssignment

SEED = 20261203
LEVELS = ("Tốt", "Khá", "Đạt", "Chưa đạt")


def _moment(day: date, hour: int = 15) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_results(previous: SchoolYear) -> int:
    """Rate conduct and decide every result of last year; returns the number of results stored."""
    rng = random.Random(SEED)
    school = previous.school
    principal = RoleGrant.objects.get(school=school, role=Role.PRINCIPAL).user
    terms = {t.number: t for t in previous.terms.all()}
    homerooms = {
        h.class_group_id: h.teacher
        for h in HomeroomAssignment.objects.filter(class_group__school_year=previous).select_related("teacher")
    }
    teachers = {
        a.class_subject_id: a.teacher
        for a in TeachingAssignment.objects.filter(class_subject__class_group__school_year=previous).select_related(
            "teacher"
        )
    }
    moments = {
        TERM1: _moment(terms[1].end_date + timedelta(days=5)),
        TERM2: _moment(previous.end_date + timedelta(days=3)),
        YEAR: _moment(previous.end_date + timedelta(days=4)),
        SUMMER: _moment(date(previous.end_date.year, 8, 20)),
    }
    for class_group in (
        ClassGroup.objects.filter(school_year=previous)
        .select_related("school_year__school")
        .order_by("grade_level", "name")
    ):
        homeroom = homerooms[class_group.pk]
        enrolments = list(Enrolment.objects.filter(class_group=class_group).order_by("pk"))
        for period, weights in ((TERM1, (55, 33, 11, 1)), (TERM2, (60, 30, 9, 1))):
            conduct_record_many(
                actor=homeroom,
                class_group=class_group,
                entries=[
                    ConductEntry(e.pk, period, rng.choices(LEVELS, weights=weights)[0], comment="") for e in enrolments
                ],
                reason="Đánh giá rèn luyện (dữ liệu mẫu)",
                now=moments[period] - timedelta(days=1),
            )
        for y, m in year_months(previous):
            attendance_month_complete(class_group=class_group, year=y, month=m, actor=homeroom, today=previous.end_date)
        for period in (TERM1, TERM2, YEAR):
            _decide(class_group, period, homeroom, principal, moments[period])
        _summer(class_group, homeroom, principal, teachers, moments[SUMMER])
    return StudentResult.objects.filter(enrolment__school_year=previous).count()


def _decide(class_group: ClassGroup, period: str, homeroom, principal, now: datetime) -> None:
    results_compute(
        actor=homeroom, class_group=class_group, period=period, reason="Tính kết quả (dữ liệu mẫu)", now=now
    )
    results_propose(
        actor=homeroom, class_group=class_group, period=period, comment="Đề nghị Hiệu trưởng duyệt", now=now
    )
    results_approve(actor=principal, class_group=class_group, period=period, comment="Đồng ý", now=now)


def _summer(class_group: ClassGroup, homeroom, principal, teachers, now: datetime) -> None:
    """The students sent to the summer all pass: re-assessments of 5,5-6,5 (Đ for a comment subject)
    and a training completed at the level Đạt."""
    due = [
        r
        for r in StudentResult.objects.filter(enrolment__class_group=class_group, period=YEAR)
        if r.outcome in SUMMER_OUTCOMES
    ]
    if not due:
        return
    class_subjects = {
        cs.subject.code: cs
        for cs in ClassSubject.objects.filter(class_group=class_group).select_related(
            "subject", "class_group__school_year"
        )
    }
    retests: dict[str, list[RetestEntry]] = {}
    for result in due:
        for number, code in enumerate(result.retest_subjects):
            text = "Đ" if class_subjects[code].subject.kind == "comment" else f"{5 + (result.pk + number) % 3 // 2},5"
            retests.setdefault(code, []).append(RetestEntry(result.enrolment_id, text))
    for code, entries in sorted(retests.items()):
        cs = class_subjects[code]
        retest_record_many(actor=teachers[cs.pk], class_subject=cs, entries=entries, now=now - timedelta(days=5))
    training = [r for r in due if r.summer_training]
    if training:
        conduct_record_many(
            actor=homeroom,
            class_group=class_group,
            entries=[ConductEntry(r.enrolment_id, SUMMER, "Đạt", summer_completed=True) for r in training],
            reason="Kết quả rèn luyện trong hè (dữ liệu mẫu)",
            now=now - timedelta(days=2),
        )
    _decide(class_group, SUMMER, homeroom, principal, now)
