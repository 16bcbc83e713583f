"""Two saves of the same cell at the same moment, each in its own transaction and connection:
exactly one wins, the other is told (AttendanceConflict), never a silent overwrite. Meaningful on
PostgreSQL (row locks, the unique constraint), so marked ``services``: ``make test-services`` runs
it there (SQLite's in-memory test database refuses two writing threads outright)."""

import threading
from datetime import date

import pytest
from django.db import connections

from attendance.models import AttendanceMark
from attendance.services import AttendanceConflict, CellChange, attendance_record_many
from tests.attendance.helpers import enrolments
from tests.factories import make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

DAYS = [date(2026, 10, d) for d in (5, 6, 7, 8, 9, 12, 13, 14)]


def race(cls, actor, changes_a, changes_b) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(changes):
        try:
            barrier.wait()
            attendance_record_many(class_group=cls, changes=changes, actor=actor, today=date(2027, 6, 30))
            outcomes.append("saved")
        except AttendanceConflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in (changes_a, changes_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_first_saves_of_one_cell_one_wins():
    world = make_world(classes=1, students_per_class=1)
    cls, teacher = world.classes[0], world.users["homeroom"]
    (e,) = enrolments(cls)
    for day in DAYS:
        outcomes = race(cls, teacher, [CellChange(e.pk, day, "all", "P", 0)], [CellChange(e.pk, day, "all", "K", 0)])
        assert sorted(outcomes) == ["conflict", "saved"], day
        mark = AttendanceMark.objects.get(enrolment=e, date=day)
        assert mark.version == 1 and mark.history.count() == 1


def test_two_changes_of_one_existing_cell_one_wins():
    world = make_world(classes=1, students_per_class=1)
    cls, teacher = world.classes[0], world.users["homeroom"]
    (e,) = enrolments(cls)
    for day in DAYS:
        attendance_record_many(
            class_group=cls, changes=[CellChange(e.pk, day, "all", "M", 0)], actor=teacher, today=date(2027, 6, 30)
        )
        outcomes = race(cls, teacher, [CellChange(e.pk, day, "all", "P", 1)], [CellChange(e.pk, day, "all", "K", 1)])
        assert sorted(outcomes) == ["conflict", "saved"], day
        mark = AttendanceMark.objects.get(enrolment=e, date=day)
        assert mark.version == 2 and mark.code in ("P", "K") and mark.history.count() == 2
