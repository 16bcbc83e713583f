"""Attendance timings on the demo school (run after `make seed`; DATABASE_URL picks the database).

Measures, for the largest class: the month grid page (render included), saving a whole month of
cells through the service (rolled back), and the year totals of every student of the school in one
query. Prints the median of a few runs and the query counts.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from attendance.selectors import attendance_days, year_absences  # noqa: E402
from attendance.services import CellChange, attendance_record_many  # noqa: E402
from schools.models import ClassGroup, Enrolment, HomeroomAssignment, SchoolYear, Term  # noqa: E402

RUNS = 5


def timed(fn) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


class Rollback(Exception):
    pass


def main() -> None:
    year = SchoolYear.objects.filter(school__code="THCS-BINHAN", is_current=True).first()
    if year is None:
        sys.exit("Load the demo school first: make seed")
    cls = (
        ClassGroup.objects.filter(school_year=year)
        .annotate(n=Count("enrolments"))
        .select_related("school_year__school")
        .order_by("-n")
        .first()
    )
    teacher = HomeroomAssignment.objects.get(class_group=cls, ends_on__isnull=True).teacher
    client = Client()
    client.force_login(teacher)
    url = reverse("attendance:grid", args=[cls.pk, year.start_year, 11])
    client.get(url)  # warm up templates and translations
    grid_ms, grid_q = timed(lambda: client.get(url))

    terms = list(Term.objects.filter(school_year=year))
    days = attendance_days(cls, date(year.start_year, 11, 1), date(year.start_year, 11, 30), terms)
    enrolments = [e for e in Enrolment.objects.filter(class_group=cls) if e.is_active_on(days[-1])]
    changes = [
        CellChange(e.pk, d, "all", "PKM"[(i + j) % 3], 0)
        for i, e in enumerate(enrolments)
        for j, d in enumerate(days)
        if not e.attendance_marks.filter(date=d).exists()
    ]

    def save_month():
        try:
            with transaction.atomic():
                attendance_record_many(class_group=cls, changes=changes, actor=teacher, today=date(2027, 6, 30))
                raise Rollback
        except Rollback:
            pass

    save_ms, save_q = timed(save_month)
    school = Enrolment.objects.filter(school_year=year)
    totals_ms, totals_q = timed(lambda: year_absences(school, year))
    print(f"database: {connection.vendor}; class {cls.name}: {len(enrolments)} students, {len(days)} school days")
    print(f"month grid page (GET, rendered): {grid_ms:.0f} ms, {grid_q} queries")
    print(f"save a whole month ({len(changes)} cells, history included): {save_ms:.0f} ms, {save_q} queries")
    print(f"year totals of the school ({school.count()} enrolments): {totals_ms:.0f} ms, {totals_q} query")


if __name__ == "__main__":
    main()
