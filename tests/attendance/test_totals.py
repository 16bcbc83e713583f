"""Absence totals per student match a hand count: whole days and half-day sessions, holidays and
closures, a student who transferred out mid-month, late arrivals that never count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceMark
from attendance.selectors import ZERO, attendance_totals, month_range, year_absences
from schools.models import Enrolment
from schools.services import calendar_day_set, enrolment_leave
from tests.attendance.helpers import enrolments, mark
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def periods(world):
    t1, t2 = world.year.terms.order_by("number")
    return {
        "oct": month_range(2026, 10),
        "nov": month_range(2026, 11),
        "t1": (t1.start_date, t1.end_date),
        "t2": (t2.start_date, t2.end_date),
        "year": (world.year.start_date, world.year.end_date),
    }


def test_one_session_school_totals_match_a_hand_count():
    world = make_world(classes=1, students_per_class=3)
    cls, teacher = world.classes[0], world.users["homeroom"]
    a, b, c = enrolments(cls)
    mark(
        cls,
        teacher,
        (a, date(2026, 10, 5), "P"),
        (a, date(2026, 10, 6), "P"),
        (a, date(2026, 10, 7), "K"),
        (a, date(2026, 10, 8), "M"),  # late: never an absence
        (a, date(2026, 11, 2), "K"),
        (a, date(2027, 3, 1), "P"),  # term II
        (b, date(2026, 10, 5), "M"),
    )
    table = attendance_totals(enrolments=Enrolment.objects.filter(class_group=cls), periods=periods(world))
    # Hand count for a: October P=2 K=1 M=1; November K=1; term I P=2 K=2; term II P=1; year P=3 K=2.
    assert (table[a.pk]["oct"].excused, table[a.pk]["oct"].unexcused, table[a.pk]["oct"].late) == (2, 1, 1)
    assert table[a.pk]["oct"].absent == 3 and table[a.pk]["oct"].counted == 3
    assert table[a.pk]["nov"].unexcused == 1
    assert (table[a.pk]["t1"].absent, table[a.pk]["t2"].absent) == (4, 1)
    assert (table[a.pk]["year"].excused, table[a.pk]["year"].unexcused, table[a.pk]["year"].counted) == (3, 2, 5)
    assert table[b.pk]["year"].absent == 0 and table[b.pk]["year"].late == 1
    assert table[c.pk]["year"] == ZERO  # no mark at all
    assert table.class_total("oct", [a.pk, b.pk, c.pk]).late == 2


def test_half_day_sessions_count_once_a_day_and_only_for_the_main_session():
    world = make_world(classes=1, students_per_class=2)
    school = world.school
    school.two_sessions = True
    school.save()
    cls, teacher = world.classes[0], world.users["homeroom"]
    a, b = enrolments(cls)
    mark(
        cls,
        teacher,
        (a, date(2026, 10, 5), "P", "am"),
        (a, date(2026, 10, 5), "P", "pm"),  # whole day away: 2 sessions, 1 towards the limit
        (a, date(2026, 10, 6), "K", "pm"),  # afternoon only: not the main session
        (a, date(2026, 10, 7), "K", "am"),  # morning only: counts
        (b, date(2026, 10, 5), "M", "am"),
        (b, date(2026, 10, 6), "P", "am"),
        (b, date(2026, 10, 6), "K", "pm"),
    )
    table = attendance_totals(enrolments=[a.pk, b.pk], periods={"oct": month_range(2026, 10)})
    ta, tb = table[a.pk]["oct"], table[b.pk]["oct"]
    assert (ta.excused, ta.unexcused, ta.absent, ta.counted) == (2, 2, 4, 2)
    assert (tb.excused, tb.unexcused, tb.late, tb.absent, tb.counted) == (1, 1, 1, 2, 1)


def test_a_day_the_school_closes_afterwards_no_longer_counts():
    world = make_world(classes=1, students_per_class=1)
    cls, teacher = world.classes[0], world.users["homeroom"]
    (a,) = enrolments(cls)
    mark(cls, teacher, (a, date(2026, 10, 5), "K"), (a, date(2026, 10, 6), "K"))
    calendar_day_set(school=world.school, day=date(2026, 10, 6), is_school_day=False, reason="Bão", actor=teacher)
    totals = year_absences(Enrolment.objects.filter(class_group=cls), world.year)[a.pk]["year"]
    assert (totals.unexcused, totals.counted) == (1, 1)
    assert AttendanceMark.objects.count() == 2  # the mark is kept, only not counted


def test_a_student_who_transferred_out_mid_month_is_counted_until_he_left():
    world = make_world(classes=1, students_per_class=2)
    cls, teacher = world.classes[0], world.users["homeroom"]
    a, b = enrolments(cls)
    mark(
        cls,
        teacher,
        (a, date(2026, 10, 12), "P"),
        (a, date(2026, 10, 14), "K"),
        (a, date(2026, 10, 15), "K"),  # recorded before the transfer was known
        (a, date(2026, 10, 20), "P"),
        (b, date(2026, 10, 20), "P"),
    )
    enrolment_leave(enrolment=a, status="transferred_out", left_on=date(2026, 10, 15), actor=teacher)
    table = attendance_totals(enrolments=[a.pk, b.pk], periods={"oct": month_range(2026, 10)})
    # Hand count: a was in the class until 14/10 → P 12/10 and K 14/10 only.
    assert (table[a.pk]["oct"].excused, table[a.pk]["oct"].unexcused, table[a.pk]["oct"].counted) == (1, 1, 2)
    assert table.class_total("oct", [a.pk, b.pk]).absent == 3


def test_totals_take_one_query_whatever_the_number_of_periods():
    world = make_world(classes=1, students_per_class=4)
    cls, teacher = world.classes[0], world.users["homeroom"]
    studs = enrolments(cls)
    mark(cls, teacher, *[(e, date(2026, 10, 5), "P") for e in studs])
    spans = periods(world)
    with CaptureQueriesContext(connection) as ctx:
        table = attendance_totals(enrolments=Enrolment.objects.filter(class_group=cls), periods=spans)
    assert len(ctx.captured_queries) == 1
    assert sum(table[e.pk]["year"].excused for e in studs) == 4
