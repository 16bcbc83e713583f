"""Benchmark of the grade-entry grid for one class of 45 students: SQL queries and timings.

    .venv/bin/python bench/grid_bench.py                      # throw-away SQLite database in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sodiem .venv/bin/python bench/grid_bench.py
                                                              # a throw-away test_sodiem database

Builds a school with a class of 45 students and a Toán-like subject (140 periods a year: four
regular columns, mid-term, end-of-term, comment), then measures through the real views and
services: the grid page (term and year), one cell save, a whole-grid save (creating then changing
every cell), a 5 × 3 paste (preview and apply), the xlsx download and an upload's preview. Each
timing is the median of several runs; the query count is that of one run.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
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

STUDENTS = 45
RUNS = 7


def measure(label: str, action, runs: int = RUNS, prepare=None) -> None:
    timings = []
    queries = 0
    for run in range(runs):
        if prepare is not None:
            prepare(run)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action(run)
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    print(
        f"{label:<52} {queries:>4} queries   median {statistics.median(timings):7.1f} ms   min {min(timings):7.1f} ms"
    )


def main() -> None:
    from grades import services
    from grades.services import Entry
    from schools.models import SubjectOffering
    from tests.factories import make_world
    from tests.grades.conftest import build_grid

    world = make_world(classes=1, students_per_class=STUDENTS, subjects=1)
    SubjectOffering.objects.filter(school_year=world.year).update(periods_per_year=140)
    grid = build_grid(world)
    cs = grid.class_subject
    columns = grid.spec.column_keys
    cells = STUDENTS * (len(columns) + 1)
    print(
        f"Database: {connection.vendor}; class of {STUDENTS} students; columns {', '.join(columns)} + comment "
        f"({cells} cells a term)\n"
    )

    client = Client()
    client.force_login(grid.teacher)
    term_url = reverse("grades:grid", args=[cs.pk, 1])
    year_url = reverse("grades:grid_year", args=[cs.pk])

    # A whole term entered, then changed: two bulk saves of every cell.
    def entries(text: str, comment: str, version: int):
        rows = []
        for enrolment in grid.enrolments:
            rows.extend(Entry(enrolment.pk, grid.term1.pk, key, text, version=version) for key in columns)
            rows.append(Entry(enrolment.pk, grid.term1.pk, "comment", comment, version=version))
        return rows

    create = entries("7,5", "Chăm học", 0)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        services.score_record_many(actor=grid.teacher, class_subject=cs, entries=create, reason="bench")
        elapsed = (time.perf_counter() - started) * 1000
    print(
        f"{'save a whole grid, creating ' + str(cells) + ' cells':<52} {len(captured):>4} queries   "
        f"once   {elapsed:7.1f} ms"
    )
    version = {"v": 1}

    def change_all(run: int) -> None:
        text = "8,0" if run % 2 == 0 else "6,5"
        services.score_record_many(
            actor=grid.teacher, class_subject=cs, entries=entries(text, f"Nhận xét {run}", version["v"]), reason="bench"
        )
        version["v"] += 1

    measure(f"save a whole grid, changing {cells} cells", change_all, runs=5)

    measure("grid page, one term (GET)", lambda _run: client.get(term_url))
    measure("grid page, whole year (GET)", lambda _run: client.get(year_url))

    save_url = reverse("grades:cell_save", args=[cs.pk])
    cell_version = {"v": version["v"]}

    def save_one(run: int) -> None:
        body = {
            "hs": grid.enrolments[0].pk,
            "term": grid.term1.pk,
            "col": "regular_1",
            "value": f"{run % 10},5",
            "version": cell_version["v"],
        }
        response = client.post(save_url, json.dumps(body), content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"cell save failed: {response.content!r}")
        cell_version["v"] = response.json()["version"]

    measure("save one cell (POST, with the row's averages)", save_one)

    block = "\n".join("\t".join(f"{(r + c) % 10},5" for c in range(3)) for r in range(5))
    preview_url = reverse("grades:paste_preview", args=[cs.pk])
    apply_url = reverse("grades:paste_apply", args=[cs.pk])
    preview_body = {
        "mode": "term",
        "hs": grid.enrolments[10].pk,
        "term": grid.term1.pk,
        "col": "regular_2",
        "text": block,
    }
    measure(
        "paste 5 × 3: preview (POST)",
        lambda _run: client.post(preview_url, json.dumps(preview_body), content_type="application/json"),
    )
    pending = {}

    def prepare_apply(run: int) -> None:
        body = dict(
            preview_body, text="\n".join("\t".join(f"{(r + c + run) % 10},0" for c in range(3)) for r in range(5))
        )
        lines = client.post(preview_url, json.dumps(body), content_type="application/json").json()["lines"]
        pending["entries"] = [line["entry"] for line in lines if line["entry"]]

    measure(
        "paste 5 × 3: apply, one transaction (POST)",
        lambda _run: client.post(
            apply_url, json.dumps({"entries": pending["entries"]}), content_type="application/json"
        ),
        prepare=prepare_apply,
    )

    download_url = reverse("grades:xlsx_download", args=[cs.pk, 1])
    measure("xlsx template download (GET)", lambda _run: client.get(download_url))
    data = client.get(download_url).content
    upload_url = reverse("grades:xlsx_upload", args=[cs.pk, 1])

    def upload(_run: int) -> None:
        file = io.BytesIO(data)
        file.name = "diem.xlsx"
        if client.post(upload_url, {"file": file}).status_code != 200:
            raise SystemExit("upload failed")

    measure("xlsx upload: read and preview every cell (POST)", upload)


if __name__ == "__main__":
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
