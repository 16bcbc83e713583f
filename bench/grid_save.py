"""Benchmark of goal G3: saving a whole grid of one class of 45 students, all or nothing.

    .venv/bin/python bench/grid_save.py                       # throw-away SQLite database in memory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sodiem .venv/bin/python bench/grid_save.py
                                                              # a throw-away test_sodiem database
    .venv/bin/python bench/grid_save.py --runs 40 --students 45

The rule sets allow at most six score columns a term (four regular assessments, mid-term and
end-of-term for a subject of more than 70 periods a year), plus the comment: 7 columns a term.
G3's 45 × 15 = 675 cells is therefore approached by the whole year of such a subject:
45 students × 2 terms × 7 columns = 630 cells, every one of them changed on every run.

Three ways in, each timed over ``--runs`` saves (p50, p95, max) with the queries of one save:

* ``service``: ``grades.services.score_record_many`` alone, the grid definition included (what every
  way in shares: ids, locks, departures and the scale checked, row locks and versions compared,
  the cells and their history rows written in one transaction);
* ``paste_apply``: the same save through the grid's JSON endpoint, as the browser sends it
  (session, rights, the request's JSON, the answer with every row's averages);
* one term only (315 cells) through the service, for comparison with grid_bench.py.

The first save of each grid creates the cells (timed once, shown apart); the timed runs change them.
"""

from __future__ import annotations

import argparse
import itertools
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


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 20 runs is the 19th value)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def report(label: str, timings: list[float], queries: int) -> None:
    print(
        f"{label:<58} {queries:>3} queries   p50 {statistics.median(timings):7.1f} ms   "
        f"p95 {percentile(timings, 0.95):7.1f} ms   max {max(timings):7.1f} ms   ({len(timings)} runs)"
    )


def main(students: int, runs: int) -> None:
    from grades import services
    from grades.services import Entry
    from schools.models import SubjectOffering
    from tests.factories import make_world
    from tests.grades.conftest import build_grid

    world = make_world(classes=1, students_per_class=students, subjects=1)
    SubjectOffering.objects.filter(school_year=world.year).update(periods_per_year=140)
    grid = build_grid(world)
    cs = grid.class_subject
    keys = [*grid.spec.column_keys, "comment"]
    terms = [grid.term1, grid.term2]
    print(
        f"Database: {connection.vendor}; {students} students × {len(terms)} terms × {len(keys)} columns "
        f"({', '.join(keys)}) = {students * len(terms) * len(keys)} cells\n"
    )
    versions: dict[tuple[int, int, str], int] = {}
    saves = itertools.count()  # every save alternates the values, so every cell changes each time

    def entries(run: int, term_list) -> list[Entry]:
        score = "7,5" if run is None else ("8,0", "6,5")[next(saves) % 2]
        rows = []
        for term in term_list:
            for enrolment in grid.enrolments:
                for key in keys:
                    text = f"Nhận xét {score}" if key == "comment" else score
                    rows.append(
                        Entry(enrolment.pk, term.pk, key, text, version=versions.get((enrolment.pk, term.pk, key), 0))
                    )
        return rows

    def remember(written) -> None:
        for w in written:
            versions[w.entry.key] = w.version

    def service_save(run: int, term_list) -> int:
        with CaptureQueriesContext(connection) as captured:
            written = services.score_record_many(
                actor=grid.teacher, class_subject=cs, entries=entries(run, term_list), reason="bench"
            )
        if any(w.status == "unchanged" for w in written):
            raise SystemExit("a run did not change every cell")
        remember(written)
        return len(captured)

    # Creating every cell, once.
    started = time.perf_counter()
    queries = service_save(None, terms)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{'service: create the whole grid (once)':<58} {queries:>3} queries   {elapsed:7.1f} ms")

    def timed(label: str, action) -> None:
        action(-1)  # warm-up, not counted
        timings, queries = [], 0
        for run in range(runs):
            started = time.perf_counter()
            queries = action(run)
            timings.append((time.perf_counter() - started) * 1000)
        report(label, timings, queries)

    cells = students * len(terms) * len(keys)
    timed(f"service: change the whole grid ({cells} cells)", lambda run: service_save(run, terms))
    timed(f"service: change one term ({cells // 2} cells)", lambda run: service_save(run, terms[:1]))

    client = Client()
    client.force_login(grid.teacher)
    url = reverse("grades:paste_apply", args=[cs.pk])

    def http_save(run: int) -> int:
        body = {
            "entries": [
                {"hs": e.enrolment_id, "term": e.term_id, "col": e.column, "value": e.text, "version": e.version}
                for e in entries(run, terms)
            ]
        }
        data = json.dumps(body)
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, data, content_type="application/json")
        if response.status_code != 200:
            raise SystemExit(f"save failed: {response.status_code} {response.content[:300]!r}")
        for cell in response.json()["cells"]:
            versions[(cell["hs"], cell["term"], cell["col"])] = cell["version"]
        return len(captured)

    timed(f"POST paste_apply: change the whole grid ({cells} cells)", http_save)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        main(args.students, args.runs)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
