"""The working-day calendar: school days for attendance, working days for entry deadlines."""

from datetime import date

import pytest

from schools.calendar import is_public_holiday, nth_working_day_after, school_days
from schools.services import calendar_day_set
from tests.factories import make_school

pytestmark = pytest.mark.django_db


def test_deadline_counts_working_days_from_the_day_after_the_test():
    # P-DL-1's own example: a test on Monday 04/11/2024, no holiday.
    school = make_school()
    assert nth_working_day_after(school, date(2024, 11, 4), 10) == date(2024, 11, 18)
    assert nth_working_day_after(school, date(2024, 11, 4), 14) == date(2024, 11, 22)


def test_deadline_skips_the_lunar_new_year():
    school = make_school()
    # Tết 2027: 4-10 February are holidays; Monday 1 February + 5 working days.
    assert is_public_holiday(date(2027, 2, 6))
    assert nth_working_day_after(school, date(2027, 2, 1), 5) == date(2027, 2, 15)


def test_saturday_counts_for_deadlines_only_when_the_school_says_so():
    school = make_school()
    assert nth_working_day_after(school, date(2024, 11, 8), 1) == date(2024, 11, 11)
    school.saturday_is_working_day = True
    school.save()
    assert nth_working_day_after(school, date(2024, 11, 8), 1) == date(2024, 11, 9)


def test_school_days_of_a_month_skip_weekends_and_holidays():
    school = make_school()
    days = school_days(school, date(2026, 11, 1), date(2026, 11, 30))
    assert len(days) == 20  # 21 weekdays, less 24/11 (Ngày Văn hóa Việt Nam)
    assert date(2026, 11, 24) not in days and date(2026, 11, 7) not in days


def test_saturday_classes_and_school_closures_and_make_up_days():
    school = make_school()
    school.saturday_is_school_day = True
    school.save()
    assert len(school_days(school, date(2026, 11, 1), date(2026, 11, 30))) == 24
    calendar_day_set(school=school, day=date(2026, 11, 12), is_school_day=False, reason="Bão số 9", actor=None)
    calendar_day_set(school=school, day=date(2026, 11, 29), is_school_day=True, reason="Học bù", actor=None)
    days = school_days(school, date(2026, 11, 1), date(2026, 11, 30))
    assert len(days) == 24
    assert date(2026, 11, 12) not in days and date(2026, 11, 29) in days


def test_a_closure_also_moves_a_deadline():
    school = make_school()
    calendar_day_set(school=school, day=date(2024, 11, 5), is_school_day=False, reason="Bão", actor=None)
    assert nth_working_day_after(school, date(2024, 11, 4), 10) == date(2024, 11, 19)


def test_a_calendar_change_needs_a_reason():
    from django.core.exceptions import ValidationError

    school = make_school()
    with pytest.raises(ValidationError):
        calendar_day_set(school=school, day=date(2026, 11, 12), is_school_day=False, reason="  ", actor=None)
