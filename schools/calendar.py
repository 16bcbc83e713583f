"""The working-day calendar: school days for attendance and working days for entry deadlines.

School days: Monday to Friday (and Saturday where the school teaches then), minus Vietnamese public
holidays (the ``holidays`` package, lunar Tết included), minus the school's own closures, plus its
make-up days. Working days (P-DL-1, P-DL-2): the same but Saturday counts only if the school says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from .models import CalendarDay, School

SATURDAY = 5
SUNDAY = 6


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[date, str]:
    """Vietnam's public holidays of a calendar year, with their names."""
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


def _exceptions(school: School, start: date, end: date) -> dict[date, bool]:
    rows = CalendarDay.objects.filter(school=school, date__gte=start, date__lte=end).values_list(
        "date", "is_school_day"
    )
    return dict(rows)


def _ordinary(day: date, *, saturday: bool) -> bool:
    if day.weekday() == SUNDAY or (day.weekday() == SATURDAY and not saturday):
        return False
    return not is_public_holiday(day)


def school_days(school: School, start: date, end: date) -> list[date]:
    """Days the school teaches between start and end, both included (one query)."""
    if end < start:
        return []
    exceptions = _exceptions(school, start, end)
    days = []
    day = start
    while day <= end:
        if exceptions.get(day, _ordinary(day, saturday=school.saturday_is_school_day)):
            days.append(day)
        day += timedelta(days=1)
    return days


def is_working_day(school: School, day: date, exceptions: dict[date, bool] | None = None) -> bool:
    if exceptions is not None and day in exceptions and not exceptions[day]:
        return False
    return _ordinary(day, saturday=school.saturday_is_working_day)


def nth_working_day_after(school: School, start: date, n: int) -> date:
    """The n-th working day after ``start``; the start day itself is not counted (P-DL-1).

    Test on Monday 04/11/2024, no holiday: the 10th working day is Monday 18/11/2024.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    horizon = start + timedelta(days=n * 3 + 30)
    exceptions = _exceptions(school, start, horizon)
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if day > horizon:
            horizon = day + timedelta(days=60)
            exceptions.update(_exceptions(school, day, horizon))
        if is_working_day(school, day, exceptions):
            counted += 1
    return day
