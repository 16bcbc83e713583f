"""The demo school's attendance: a realistic, deterministic record of the current year's months
so far (September to November of the demo year), entered by each class's homeroom teacher through
the attendance services; September and October are marked complete."""

from __future__ import annotations

import random
from datetime import date

from attendance.models import AttendanceMark
from attendance.selectors import attendance_days, month_range, sessions_of
from attendance.services import CellChange, attendance_month_complete, attendance_record_many
from schools.models import ClassGroup, Enrolment, HomeroomAssignment, SchoolYear, Term

SEED = 20261202
MONTHS_SO_FAR = (9, 10, 11)
COMPLETED = (9, 10)


def seed_attendance(year: SchoolYear) -> int:
    """Record the marks; returns how many. Deterministic: a fixed seed and a fixed 'today'."""
    rng = random.Random(SEED)
    today = date(year.start_year, 12, 1)
    terms = list(Term.objects.filter(school_year=year))
    homerooms = {
        h.class_group_id: h.teacher
        for h in HomeroomAssignment.objects.filter(class_group__school_year=year, ends_on__isnull=True).select_related(
            "teacher"
        )
    }
    total = 0
    for class_group in (
        ClassGroup.objects.filter(school_year=year)
        .select_related("school_year__school")
        .order_by("grade_level", "name")
    ):
        teacher = homerooms[class_group.pk]
        enrolments = list(Enrolment.objects.filter(class_group=class_group).order_by("pk"))
        sessions = sessions_of(class_group)
        for month in MONTHS_SO_FAR:
            first, last = month_range(year.start_year, month)
            days = attendance_days(class_group, first, last, terms)
            changes: dict[tuple, CellChange] = {}
            # A few absences with leave, a couple without, a few late arrivals.
            for code, count in (
                (AttendanceMark.Code.EXCUSED, rng.randint(3, 7)),
                (AttendanceMark.Code.UNEXCUSED, rng.randint(0, 3)),
                (AttendanceMark.Code.LATE, rng.randint(1, 4)),
            ):
                for _ in range(count):
                    enrolment = rng.choice(enrolments)
                    day = rng.choice(days)
                    if not enrolment.is_active_on(day):
                        continue
                    change = CellChange(enrolment.pk, day, rng.choice(sessions), code, 0)
                    changes.setdefault(change.key, change)
            saved = attendance_record_many(
                class_group=class_group,
                changes=list(changes.values()),
                actor=teacher,
                reason=f"Điểm danh tháng {month:02d}/{year.start_year} (dữ liệu mẫu)",
                today=today,
            )
            total += len(saved)
            if month in COMPLETED:
                attendance_month_complete(
                    class_group=class_group, year=year.start_year, month=month, actor=teacher, today=today
                )
    return total
