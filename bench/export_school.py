"""Benchmark of the results export of a whole school (1,500 students, 34 classes, 13 subjects).

    .venv/bin/python bench/export_school.py                  # a throw-away SQLite file database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sodiem .venv/bin/python bench/export_school.py
                                                             # a throw-away test_sodiem database
    options: --students 1500 --runs 3

Generates the school (every score cell of both terms, some absences), then, each in a fresh forked
process so one measure's memory does not hide another's:

1. ``bare``: a bare openpyxl write-only workbook of the same cells (the export's values, already in
   memory, appended as plain values, no styles): the floor any xlsx export pays;
2. ``export, computed now``: the export job while no class is approved (every class through
   ``class_inputs`` and the rules engine);
3. ``export, approved``: the same after the results app approved term I of every class (conduct
   rated, attendance months confirmed, results computed, proposed and approved through its
   services): the export reads the stored, approved results — the production path.

For each: the best wall time over ``--runs`` and the peak memory of the process above what it had
when it started (``VmHWM`` − ``VmRSS`` at the start, from /proc; the Python heap peak from
tracemalloc beside it). The score cells are written in bulk without history (benchmark data, not a
person's change); everything the export reads is what the product writes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")
os.environ.setdefault("GRADEBOOK_TESTING", "1")  # fast password hasher, no secret key needed

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

SEED = 2026
CLASSES_PER_GRADE = {6: 9, 7: 9, 8: 8, 9: 8}
# TT22 THCS: 9 scored subjects and 4 comment subjects, with their periods per year.
SUBJECTS = [
    ("van", "Ngữ văn", "score", 140),
    ("toan", "Toán", "score", 140),
    ("anh", "Ngoại ngữ 1", "score", 105),
    ("gdcd", "Giáo dục công dân", "score", 35),
    ("lsdl", "Lịch sử và Địa lí", "score", 105),
    ("khtn", "Khoa học tự nhiên", "score", 140),
    ("cong_nghe", "Công nghệ", "score", 52),
    ("tin", "Tin học", "score", 35),
    ("tieng_dan_toc", "Tiếng dân tộc thiểu số", "score", 70),
    ("gdtc", "Giáo dục thể chất", "comment", 70),
    ("nghe_thuat", "Nghệ thuật", "comment", 70),
    ("hdtn", "Hoạt động trải nghiệm, hướng nghiệp", "comment", 105),
    ("gddp", "Nội dung giáo dục của địa phương", "comment", 35),
]
FAMILY = ["Nguyễn Văn", "Trần Thị", "Lê Hoàng", "Phạm Minh", "Hoàng Thị Thu", "Vũ Đức", "Đặng Ngọc", "Bùi Quang"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Khánh", "Linh", "Ngọc", "Phúc", "Quỳnh", "Tuyết"]
LATE_DAY = date(2027, 6, 30)


def build(students: int):
    """The school, its people and every score cell of both terms; returns what the runs need."""
    from accounts import services as account_services
    from accounts.models import Role
    from attendance.models import AttendanceMark
    from grades.models import ScoreCell
    from grades.rules import SubjectKind, get_rule_set
    from schools import services as school_services
    from schools.models import ClassSubject, Enrolment, Student
    from tests.factories import make_school, make_subject, make_user, make_year

    rng = random.Random(SEED)
    school = make_school("Trường THCS Đo Hiệu Năng")
    year = make_year(school)
    terms = list(year.terms.order_by("number"))
    admin = make_user(school, Role.ADMIN_BOARD)
    users = {role: make_user(school, role) for role in (Role.PRINCIPAL, Role.OFFICE)}
    rule_set = get_rule_set("tt22_2021")
    subjects = []
    for order, (code, name, kind, periods) in enumerate(SUBJECTS):
        subject = make_subject(school, code=code, name=name, kind=kind, order=order)
        school_services.subject_offer(
            school_year=year, subject=subject, grade_levels=[6, 7, 8, 9], periods_per_year=periods
        )
        declared = SubjectKind(kind)
        columns = rule_set.columns(rule_set.kind_of(code, declared), periods).columns
        subjects.append((subject, declared, columns))
    count = sum(CLASSES_PER_GRADE.values())
    sizes = [students // count + (1 if i < students % count else 0) for i in range(count)]
    classes, homerooms, now = [], {}, timezone.now()
    cells, marks, n = [], [], 0
    for grade, how_many in CLASSES_PER_GRADE.items():
        for index in range(how_many):
            class_group = school_services.class_group_create(
                school_year=year, grade_level=grade, name=f"{grade}A{index + 1}"
            )
            size = sizes[len(classes)]
            people = []
            for _ in range(size):
                n += 1
                people.append(
                    Student(
                        student_code=f"HP{32000000 + n:08d}",
                        national_id=f"0312{n:08d}",
                        family_name=rng.choice(FAMILY),
                        given_name=rng.choice(GIVEN),
                        date_of_birth=date(2026 - grade - 5, rng.randint(1, 12), rng.randint(1, 28)),
                        gender=rng.choice(["nam", "nu"]),
                        permanent_address="Hải Phòng",
                        father_name="Cha",
                        contact_phone="0912345678",
                    )
                )
            people = school_services.students_create(school=school, students=people, actor=admin, reason="bench")
            school_services.enrolments_create(
                class_group=class_group, students=people, enrolled_on=year.start_date, actor=admin, reason="bench"
            )
            homeroom = make_user(school, Role.TEACHER)
            account_services.homeroom_assign(
                teacher=homeroom, class_group=class_group, starts_on=year.start_date, actor=admin
            )
            homerooms[class_group.pk] = homeroom
            by_subject = {cs.subject_id: cs for cs in ClassSubject.objects.filter(class_group=class_group)}
            for enrolment in Enrolment.objects.filter(class_group=class_group):
                level = rng.uniform(4.0, 9.6)
                for subject, declared, columns in subjects:
                    cs = by_subject[subject.pk]
                    for term in terms:
                        for column in columns:
                            if declared is SubjectKind.COMMENT:
                                value, mark = None, "Đ" if rng.random() > 0.03 else "CĐ"
                            else:
                                raw = min(10.0, max(0.0, rng.gauss(level, 1.2)))
                                value, mark = Decimal(f"{raw:.1f}"), ""
                            cells.append(
                                ScoreCell(
                                    enrolment=enrolment,
                                    class_subject=cs,
                                    term=term,
                                    column=column.key,
                                    value=value,
                                    mark=mark,
                                    updated_at=now,
                                )
                            )
                if rng.random() < 0.3:
                    day = date(2026, 10, rng.randint(5, 9))
                    marks.append(AttendanceMark(enrolment=enrolment, date=day, code=rng.choice("PK"), updated_at=now))
            classes.append(class_group)
    ScoreCell.objects.bulk_create(cells, batch_size=5000)
    if hasattr(AttendanceMark, "updated_at"):
        AttendanceMark.objects.bulk_create(marks, batch_size=2000)
    return school, year, classes, homerooms, users, len(cells)


def approve_term1(classes, homerooms, principal) -> None:
    """Term I of every class through the results app's services (as a school would do it)."""
    from attendance.services import attendance_month_complete
    from grades import results_services
    from grades.models import TERM1
    from schools.models import Enrolment

    for class_group in classes:
        homeroom = homerooms[class_group.pk]
        for y, m in ((2026, 9), (2026, 10), (2026, 11), (2026, 12)):
            attendance_month_complete(class_group=class_group, year=y, month=m, actor=homeroom, today=LATE_DAY)
        entries = [
            results_services.ConductEntry(e.pk, TERM1, "Tốt", version=0)
            for e in Enrolment.objects.filter(class_group=class_group)
        ]
        results_services.conduct_record_many(actor=homeroom, class_group=class_group, entries=entries)
        results_services.results_compute(actor=homeroom, class_group=class_group, period=TERM1, reason="Tính")
        results_services.results_propose(actor=homeroom, class_group=class_group, period=TERM1)
        results_services.results_approve(actor=principal, class_group=class_group, period=TERM1)


# --- the measures, each in a forked process ------------------------------------------------------


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _in_child(queue, action, payload) -> None:
    for alias in connections:
        connections[alias].close()  # never share the parent's connection
    start_rss = _rss_kb("VmRSS")
    started = time.perf_counter()
    result = action(payload)
    seconds = time.perf_counter() - started
    peak_rss = (_rss_kb("VmHWM") - start_rss) / 1024
    # A second run of the same work under tracemalloc gives the Python heap's peak (tracemalloc
    # slows allocation down several times, so it never runs inside the timed run).
    tracemalloc.start()
    action(payload)
    _current, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    queue.put((seconds, peak_rss, heap_peak / 1024 / 1024, result))


def measured(action, payload, runs: int):
    ctx = get_context("fork")
    best = None
    for _ in range(runs):
        queue = ctx.Queue()
        process = ctx.Process(target=_in_child, args=(queue, action, payload))
        process.start()
        outcome = queue.get(timeout=900)
        process.join()
        if best is None or outcome[0] < best[0]:
            best = outcome
    return best


def bare_workbook(rows) -> int:
    from openpyxl import Workbook

    path = Path(tempfile.mkstemp(suffix=".xlsx")[1])
    wb = Workbook(write_only=True)
    for title, sheet_rows in rows:
        ws = wb.create_sheet(title)
        for row in sheet_rows:
            ws.append(row)
    wb.save(path)
    size = path.stat().st_size
    path.unlink()
    return size


def run_export(ids) -> int:
    from exports import services
    from exports.models import ResultsExport

    export_id = ids
    export = ResultsExport.objects.select_related("job").get(pk=export_id)
    job = export.job
    job.status = "queued"
    job.save(update_fields=["status"])
    services.export_run(job.pk)
    job.refresh_from_db()
    if job.status != "done":
        raise RuntimeError(job.error)
    return job.size


def new_export(school, year, user):
    """A recorded export (its job) that each run builds again (the build itself is what is timed)."""
    from exports.models import EXPORT_KIND, ResultsExport
    from printing.models import Job

    job = Job.objects.create(
        school=school, kind=EXPORT_KIND, scope={}, title="bench", requested_by=user, created_at=timezone.now()
    )
    return ResultsExport.objects.create(
        school=school, school_year=year, period="term1", scope="school", job=job, requested_by=user,
        created_at=timezone.now(),
    )  # fmt: skip


def export_values(path: Path):
    """The export's cells as plain values, per sheet (the bare workbook writes these)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    sheets = [(ws.title, [list(r) for r in ws.iter_rows(values_only=True)]) for ws in wb.worksheets]
    wb.close()
    return sheets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also print where the approved export spends its time")
    parser.add_argument(
        "--skip-live",
        action="store_true",
        help="skip the 'computed now' measure (the bare workbook then writes the approved export's cells)",
    )
    args = parser.parse_args()

    from accounts.models import Role

    setup_test_environment()
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sodiem-bench-media-"))
    if connection.vendor == "sqlite":
        # A file, not memory: the measures run in forked processes with their own connections.
        connection.settings_dict["TEST"]["NAME"] = str(Path(tempfile.gettempdir()) / "sodiem-bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        school, year, classes, homerooms, users, cells = build(args.students)
        print(
            f"school: {args.students} students, {len(classes)} classes, {len(SUBJECTS)} subjects, {cells} score "
            f"cells; built in {time.perf_counter() - started:.1f} s on {connection.vendor}"
        )
        office = users[Role.OFFICE]

        print(f"{'':34}{'seconds':>9}{'peak RSS +MB':>14}{'heap peak MB':>14}{'file KB':>9}")
        seconds = bare = values = None
        if not args.skip_live:
            live = new_export(school, year, office)
            seconds, rss, heap, size = measured(run_export, live.pk, args.runs)
            live.job.refresh_from_db()
            values = export_values(Path(live.job.file.path))
            bare = measured(bare_workbook, values, args.runs)
            print(f"{'bare openpyxl, same cells':34}{bare[0]:9.2f}{bare[1]:14.1f}{bare[2]:14.1f}{bare[3] / 1024:9.0f}")
            print(f"{'export, computed now':34}{seconds:9.2f}{rss:14.1f}{heap:14.1f}{size / 1024:9.0f}")

        started = time.perf_counter()
        approve_term1(classes, homerooms, users[Role.PRINCIPAL])
        print(f"(term I approved for every class in {time.perf_counter() - started:.1f} s)")
        approved = new_export(school, year, office)
        a_seconds, a_rss, a_heap, a_size = measured(run_export, approved.pk, args.runs)
        print(f"{'export, approved results':34}{a_seconds:9.2f}{a_rss:14.1f}{a_heap:14.1f}{a_size / 1024:9.0f}")
        if bare is None:
            approved.job.refresh_from_db()
            values = export_values(Path(approved.job.file.path))
            bare = measured(bare_workbook, values, args.runs)
            print(f"{'bare openpyxl, same cells':34}{bare[0]:9.2f}{bare[1]:14.1f}{bare[2]:14.1f}{bare[3] / 1024:9.0f}")
        cell_count = sum(sum(1 for v in r if v is not None) for _t, rows in values for r in rows)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(run_export, approved.pk)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        live_ratio = f", computed now {seconds / bare[0]:.2f}x" if seconds is not None else ""
        print(f"{cell_count} non-empty cells. Export / bare: approved {a_seconds / bare[0]:.2f}x{live_ratio}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
