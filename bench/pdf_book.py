"""Rendering cost of the A3 class book against a bare WeasyPrint table (performance §1.2, goal G8).

Builds, without a database, the whole year's book of a 45-student class with the demo school's
twelve subjects (eight scored, four comment-assessed), nine months of attendance, a student who
left and three corrected scores, and renders it with the product's own templates
(``printing.pdf.class_book_pdf``). In the same run it renders a bare table document with the same
number of pages and the same number of table cells (one ``<table>`` per A3 landscape page, fixed
layout, collapsed borders, a score in every cell: the cheapest table §1.2 measured, about 1 ms a
cell). Each rendering runs in a fresh process (its own peak memory), the two alternate, and the
medians are printed: seconds per page for both and their ratio (book / bare; ≤ 1 is the aim).

``--batch N`` also renders N books one after another in one process, then N books on two worker
processes, the way two Celery worker processes share the classes of a batch.

    .venv/bin/python bench/pdf_book.py [--runs 2] [--students 45] [--batch 4]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import re
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django

django.setup()

from django.template.loader import render_to_string  # noqa: E402
from django.utils import translation  # noqa: E402

from printing import pdf  # noqa: E402
from printing.books import (  # noqa: E402
    AttendanceMonth,
    ClassBook,
    Classification,
    ClassificationRow,
    Mark,
    SchoolHeader,
    StudentRow,
    SubjectPage,
    SummaryPage,
    SummaryRow,
    TermPart,
)

SUBJECTS = [
    ("Giáo dục thể chất", True, 2),
    ("Nghệ thuật", True, 2),
    ("Hoạt động trải nghiệm, hướng nghiệp", True, 2),
    ("Nội dung giáo dục của địa phương", True, 2),
    ("Ngữ văn", False, 4),
    ("Toán", False, 4),
    ("Tiếng Anh", False, 4),
    ("Giáo dục công dân", False, 2),
    ("Lịch sử và Địa lí", False, 4),
    ("Khoa học tự nhiên", False, 4),
    ("Công nghệ", False, 2),
    ("Tin học", False, 2),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Hải", "Quang", "Thanh", "Bảo", "Gia", "Mai"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Khánh", "Lan", "Linh", "Nam", "Ngân", "Phúc", "Quỳnh"]
MONTHS = [(2025, 9), (2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4), (2026, 5)]
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


def _score(rng: random.Random) -> str:
    return f"{min(10.0, max(2.0, rng.gauss(7.0, 1.3))):.1f}".replace(".", ",")


def synthetic_book(students: int, seed: int = 20261201) -> ClassBook:
    rng = random.Random(seed)
    rows = []
    for n in range(1, students + 1):
        family = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)}"
        given = rng.choice(GIVEN)
        left = n == 7
        rows.append(
            StudentRow(
                number=n,
                enrolment_id=n,
                family=family,
                given=given,
                left=left,
                note="Chuyển đi ngày 12/02/2026 (Trường THCS Ngô Quyền): gia đình chuyển nhà" if left else "",
                code=f"HS{n:06d}",
                born=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2014",
                birthplace="Hải Phòng",
                gender=rng.choice(["Nam", "Nữ"]),
                ethnicity="Kinh",
                address=f"Số {rng.randint(1, 200)} Tô Hiệu, phường Lê Chân, TP Hải Phòng",
                father=f"{family.split()[0]} Văn Bố, kĩ sư, 0912345678",
                mother="Phạm Thị Mẹ, giáo viên, 0987654321",
            )
        )
    months = []
    for y, m in MONTHS:
        days = []
        for d in range(1, 32):
            try:
                day = date(y, m, d)
            except ValueError:
                days.append(("", "", False))
                continue
            days.append((str(d), WEEKDAYS[day.weekday()], day.weekday() < 5))
        grid = [["" if rng.random() > 0.02 or not open_ else rng.choice("PK") for _n, _w, open_ in days] for _s in rows]
        totals = [(sum(1 for c in g if c), g.count("P"), g.count("K")) for g in grid]
        months.append(AttendanceMonth(m, y, days, grid, totals, students - 1, ["Trần Văn B (chuyển đi)"]))
    parts = []
    for term in (1, 2):
        pages = []
        for name, comment, regular in SUBJECTS:
            columns = [f"ĐĐGtx {i + 1}" for i in range(regular)] + ["ĐĐGgk", "ĐĐGck"]
            extra = [f"Học kì {'I' * term}"] if comment else [f"ĐTBmhk{'I' * term}"]
            if term == 2:
                extra += ["Cả năm", "Đánh giá lại"] if comment else ["ĐTBmcn", "Điểm đánh giá lại"]
            marks = []
            notes = []
            for s in rows:
                cells = [Mark("Đ" if rng.random() > 0.05 else "CĐ") if comment else Mark(_score(rng)) for _c in columns]
                note = s.note
                if not comment and s.number in (3, 18, 31) and term == 1 and name == "Toán":
                    cells[0] = Mark(cells[0].text, "5,0", "0" + str(s.number % 9 + 1))
                    note = f"ĐĐGtx 1: BB số {cells[0].ref}"
                avg = [Mark("Đ")] if comment else [Mark(_score(rng))]
                if term == 2:
                    avg += [Mark("Đ"), Mark("")] if comment else [Mark(_score(rng)), Mark("")]
                marks.append(cells + avg)
                notes.append(note)
            corrected = sum(1 for row in marks for m in row if m.old)
            pages.append(
                SubjectPage(
                    term,
                    name,
                    comment,
                    ["Nguyễn Văn Giáo"],
                    columns + extra,
                    len(columns),
                    marks,
                    notes,
                    corrected,
                    False,
                )
            )
        summary = SummaryPage(
            term,
            [s[0] for s in SUBJECTS],
            4,
            [
                SummaryRow(["Đ"] * 4 + [_score(rng) for _x in range(8)], "Khá", "Tốt", str(rng.randint(0, 6)))
                for _s in rows
            ],
            False,
        )
        parts.append(TermPart(term, students - 1, pages, summary))
    year = SummaryPage(
        None,
        [s[0] for s in SUBJECTS],
        4,
        [SummaryRow(["Đ"] * 4 + [_score(rng) for _x in range(8)], "Khá", "Tốt", str(rng.randint(0, 9))) for _s in rows],
        False,
    )
    classification = Classification(
        [ClassificationRow("Tốt", "Khá", "", "", "3", True, False, "") for _s in rows],
        False,
        students - 1,
        students - 1,
        0,
        0,
        0,
    )
    return ClassBook(
        school=SchoolHeader(
            "Trường THCS Bình An", "TRUNG HỌC CƠ SỞ", "Phòng GD&ĐT quận Lê Chân", "Sở GD&ĐT Hải Phòng", ""
        ),
        class_name="9A",
        grade=9,
        year_name="2025-2026",
        term=2,
        homeroom="Vũ Gia Vũ",
        principal="Phạm Thị Thu Hà",
        class_size=students - 1,
        subjects=[(s[0], "Nguyễn Văn Giáo") for s in SUBJECTS],
        students=rows,
        months=months,
        parts=parts,
        year_summary=year,
        classification=classification,
        results_approved=False,
        rule_set="Thông tư 22/2021/TT-BGDĐT",
    )


def count_cells(book: ClassBook) -> int:
    """Table cells (td and th) of every section of the book, as rendered."""
    sections = pdf.class_book_sections(book, printed_on=date(2026, 6, 1), fingerprint="0" * 64)
    total = 0
    page = 1
    with translation.override("vi"):
        for section in sections:
            context = section.context(page) if callable(section.context) else section.context
            html = render_to_string(section.template, context)
            total += len(re.findall(r"<t[dh][ >]", html))
            page += 1
    return total


def bare_html(pages: int, cells_per_page: int, rows: int) -> str:
    columns = max(1, math.ceil(cells_per_page / rows))
    cols = f"<colgroup>{'<col>' * columns}</colgroup>"
    row = "<tr>" + "<td>8,5</td>" * columns + "</tr>"
    table = f"<table>{cols}{row * rows}</table>"
    body = "".join(f'<section style="break-before:page">{table}</section>' for _p in range(pages))
    style = (
        "@page{size:A3 landscape;margin:12mm 15mm 14mm 15mm}"
        "html{font-family:'DejaVu Serif Condensed','DejaVu Serif';font-size:9pt}"
        "table{table-layout:fixed;border-collapse:collapse;width:100%}td{border:0.5pt solid #000;padding:0 0.8mm}"
    )
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_book(students: int) -> tuple[float, float, int, float]:
    """(wall seconds, CPU seconds, pages, peak MB) of rendering the book in this process."""
    book = synthetic_book(students)
    start, cpu = time.perf_counter(), time.process_time()
    rendered = pdf.class_book_pdf(book, printed_on=date(2026, 6, 1), fingerprint="0" * 64)
    return time.perf_counter() - start, time.process_time() - cpu, rendered.pages, _peak_mb()


def render_bare(pages: int, cells: int, rows: int) -> tuple[float, float, int, float]:
    from weasyprint import HTML

    html = bare_html(pages, math.ceil(cells / pages), rows)
    start, cpu = time.perf_counter(), time.process_time()
    document = HTML(string=html).render()
    document.write_pdf()
    return time.perf_counter() - start, time.process_time() - cpu, len(document.pages), _peak_mb()


def _child(fn, args, queue):
    queue.put(fn(*args))


def in_fresh_process(fn, *args):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(fn, args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def _one_book(index: int) -> float:
    start = time.perf_counter()
    pdf.class_book_pdf(synthetic_book(45, seed=index), printed_on=date(2026, 6, 1), fingerprint="0" * 64)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--batch", type=int, default=0, help="also render N books on one and on two processes")
    args = parser.parse_args()
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    book = synthetic_book(args.students)
    cells = count_cells(book)
    book_runs, bare_runs = [], []
    pages = bare_pages = 0
    for _run in range(args.runs):
        wall, cpu, pages, peak = in_fresh_process(render_book, args.students)
        book_runs.append((wall, cpu, peak))
        wall, cpu, bare_pages, peak = in_fresh_process(render_bare, pages, cells, args.students + 1)
        bare_runs.append((wall, cpu, peak))
    print(f"class book: {args.students} students, {pages} A3 pages, {cells} table cells ({cells / pages:.0f} a page)")
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU time is the fairer figure)"
    )
    for name, runs, count in (("book", book_runs, pages), ("bare", bare_runs, bare_pages)):
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(
            f"  {name}: CPU {cpu:5.1f} s = {cpu / count:.3f} s/page, {1000 * cpu / cells:.2f} ms/cell;"
            f" wall {wall:5.1f} s = {wall / count:.3f} s/page; peak {max(r[2] for r in runs):.0f} MB"
            f"  (CPU runs: {', '.join(f'{r[1]:.1f}' for r in runs)})"
        )
    book_cpu = statistics.median(r[1] for r in book_runs) / pages
    bare_cpu = statistics.median(r[1] for r in bare_runs) / bare_pages
    book_wall = statistics.median(r[0] for r in book_runs) / pages
    bare_wall = statistics.median(r[0] for r in bare_runs) / bare_pages
    print(f"  ratio book/bare per page: CPU {book_cpu / bare_cpu:.2f}, wall {book_wall / bare_wall:.2f}")
    if args.batch:
        start = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(1) as pool:
            pool.map(_one_book, range(args.batch))
        one = time.perf_counter() - start
        start = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(_one_book, range(args.batch))
        two = time.perf_counter() - start
        print(f"batch of {args.batch} books: 1 process {one:.1f} s, 2 processes {two:.1f} s (x{one / two:.2f})")


if __name__ == "__main__":
    main()
