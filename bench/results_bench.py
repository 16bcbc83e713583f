"""Benchmark of the results: a 1,500-student school's year results computed and stored.

    .venv/bin/python bench/results_bench.py                   # throw-away SQLite test database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sodiem .venv/bin/python bench/results_bench.py
                                                              # a throw-away test_sodiem database
    .venv/bin/python bench/results_bench.py --students 1500 --classes 36

Builds a lower-secondary school (grades 6-9, the 12 subjects of the demo school under Thông tư 22)
with ``--classes`` classes sharing ``--students`` students, every score cell of both terms, conduct
for both terms and every attendance month confirmed. The data are written with plain bulk inserts
(the benchmark measures the results, not the grid). Then it measures, through the real services:

- ``results_compute`` of the year for every class (the engine's inputs read in a fixed number of
  queries, every student evaluated, the results stored with their history): total, per class;
- the same again when nothing changed (every stored result compared, none rewritten);
- the class results page and the class overview of the largest class (queries, time).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")
os.environ.setdefault("GRADEBOOK_TESTING", "1")  # fast password hasher, no secret key needed

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

SEED = 20261201
SUBJECTS = [  # code, name, kind, periods per year (the demo school's list)
    ("van", "Ngữ văn", "score", 140),
    ("toan", "Toán", "score", 140),
    ("anh", "Tiếng Anh", "score", 105),
    ("gdcd", "Giáo dục công dân", "score", 35),
    ("lsdl", "Lịch sử và Địa lí", "score", 105),
    ("khtn", "Khoa học tự nhiên", "score", 140),
    ("cong_nghe", "Công nghệ", "score", 52),
    ("tin", "Tin học", "score", 35),
    ("gdtc", "Giáo dục thể chất", "comment", 70),
    ("nghe_thuat", "Nghệ thuật", "comment", 70),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "comment", 105),
    ("gddp", "Nội dung giáo dục của địa phương", "comment", 35),
]


def build(students: int, classes: int):
    """The school, written with bulk inserts; returns (homeroom teacher by class, classes)."""
    from accounts import services as account_services
    from accounts.models import Role
    from attendance.models import MonthCompletion
    from attendance.selectors import year_months
    from grades.grid import grid_spec
    from grades.models import ConductRating, ScoreCell
    from schools import services as school_services
    from schools.models import ClassGroup, ClassSubject, Enrolment, Student, Subject
    from tests.factories import make_school, make_user, make_year

    rng = random.Random(SEED)
    school = make_school("Trường THCS Đo Hiệu Năng")
    year = make_year(school, 2026)
    subjects = [
        Subject.objects.create(school=school, code=code, name=name, kind=kind, order=i)
        for i, (code, name, kind, _p) in enumerate(SUBJECTS)
    ]
    for subject, (*_rest, periods) in zip(subjects, SUBJECTS, strict=True):
        school_services.subject_offer(
            school_year=year, subject=subject, grade_levels=[6, 7, 8, 9], periods_per_year=periods
        )
    groups = []
    for index in range(classes):
        grade = 6 + index * 4 // classes
        groups.append(school_services.class_group_create(school_year=year, grade_level=grade, name=f"{grade}X{index}"))
    people = Student.objects.bulk_create(
        [
            Student(
                school=school,
                student_code=f"B{n:06d}",
                family_name="Nguyễn Văn",
                given_name=f"Học{n}",
                date_of_birth=date(2013, 1, 1),
                gender="nam",
                permanent_address="Hải Phòng",
                father_name="Nguyễn Văn Bố",
                contact_phone="0912345678",
            )
            for n in range(students)
        ]
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(student=s, class_group=groups[n % classes], school_year=year, enrolled_on=year.start_date)
            for n, s in enumerate(people)
        ]
    )
    homerooms = {}
    for group in groups:
        teacher = make_user(school, Role.TEACHER)
        account_services.homeroom_assign(teacher=teacher, class_group=group, starts_on=year.start_date, actor=None)
        homerooms[group.pk] = teacher
    ability = {e.pk: min(9.6, max(3.0, rng.gauss(6.9, 1.3))) for e in enrolments}
    by_class: dict[int, list] = {}
    for e in enrolments:
        by_class.setdefault(e.class_group_id, []).append(e)
    terms = list(year.terms.order_by("number"))
    now = timezone.now()
    cells = []
    for cs in ClassSubject.objects.filter(class_group__school_year=year).select_related(
        "class_group__school_year", "subject"
    ):
        spec = grid_spec(cs)
        for term in terms:
            for e in by_class[cs.class_group_id]:
                for column in spec.columns:
                    level = ability[e.pk] + rng.gauss(0, 1.0)
                    if spec.is_comment:
                        cells.append(
                            ScoreCell(
                                enrolment=e,
                                class_subject=cs,
                                term=term,
                                column=column.key,
                                mark="CĐ" if level < 3.5 else "Đ",
                                updated_at=now,
                            )
                        )
                    else:
                        value = Decimal(max(0, min(100, round(level * 10)))) / 10
                        cells.append(
                            ScoreCell(
                                enrolment=e, class_subject=cs, term=term, column=column.key, value=value, updated_at=now
                            )
                        )
    ScoreCell.objects.bulk_create(cells, batch_size=5000)
    ConductRating.objects.bulk_create(
        [
            ConductRating(enrolment=e, period=period, level=rng.choice(["Tốt", "Tốt", "Khá", "Đạt"]), updated_at=now)
            for e in enrolments
            for period in ("term1", "term2")
        ],
        batch_size=5000,
    )
    MonthCompletion.objects.bulk_create(
        [
            MonthCompletion(class_group=g, year=y, month=m, completed_by=homerooms[g.pk], completed_at=now)
            for g in groups
            for y, m in year_months(year)
        ]
    )
    return homerooms, ClassGroup.objects.filter(school_year=year).select_related("school_year__school"), len(cells)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--classes", type=int, default=36)
    args = parser.parse_args()

    from accounts.models import Role
    from grades.models import StudentResult
    from grades.results_services import results_compute
    from tests.factories import make_user

    started = time.perf_counter()
    homerooms, groups, cells = build(args.students, args.classes)
    groups = list(groups)
    print(
        f"Database: {connection.vendor}; {args.students} students in {len(groups)} classes, {len(SUBJECTS)} subjects, "
        f"{cells} score cells (set-up {time.perf_counter() - started:.1f} s)\n"
    )

    def compute_all(label: str) -> None:
        timings, queries = [], []
        total_started = time.perf_counter()
        for group in groups:
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                results_compute(actor=homerooms[group.pk], class_group=group, period="year", reason="bench")
                timings.append((time.perf_counter() - t) * 1000)
            queries.append(len(ctx.captured_queries))
        total = time.perf_counter() - total_started
        print(
            f"{label:<46} total {total:6.2f} s   per class median {statistics.median(timings):6.0f} ms, "
            f"max {max(timings):6.0f} ms   queries per class {min(queries)}-{max(queries)}"
        )

    compute_all("year results, first computation (stored)")
    print(f"{'':<46} {StudentResult.objects.count()} results stored")
    compute_all("year results, recomputed, nothing changed")

    largest = max(groups, key=lambda g: g.enrolments.count())
    client = Client()
    school = largest.school_year.school
    client.force_login(make_user(school, Role.PRINCIPAL))
    for name in ("grades:results", "grades:overview"):
        url = reverse(name, args=[largest.pk, "ca-nam"])
        client.get(url)
        timings, count = [], 0
        for _ in range(5):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - t) * 1000)
            count = len(ctx.captured_queries)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        print(
            f"{name + ' (' + str(largest.enrolments.count()) + ' students)':<46} {count:>4} queries   "
            f"median {statistics.median(timings):6.0f} ms"
        )


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
