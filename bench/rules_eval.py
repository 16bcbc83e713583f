"""Benchmark of the assessment rules engine: one school's year (1,500 students x 13 subjects).

    .venv/bin/python bench/rules_eval.py [--students 1500] [--repeat 5] [--rule-set tt22_2021]

Cases are random but deterministic (fixed seed): each student has a level around which his
scores vary, so every learning level, the adjustment clause and the summer procedures occur.
Prints the best wall time over ``--repeat`` runs for the typed API (what the product calls) and
for the JSON contract (``grades.rules.evaluate``, which also parses the cells), in seconds and
in microseconds per student.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grades.rules import (  # after the path set-up, so the script runs from anywhere
    ConductInput,
    StudentYearInput,
    SubjectInput,
    SubjectKind,
    TermScores,
    evaluate,
    get_rule_set,
    parse_case,
)

SEED = 2026
# TT22 THCS: 8 scored subjects + an elective (Tiếng dân tộc thiểu số) + 4 comment subjects = 13.
TT22_SUBJECTS = [
    ("van", 140, "score"),
    ("toan", 140, "score"),
    ("anh", 105, "score"),
    ("gdcd", 35, "score"),
    ("lsdl", 105, "score"),
    ("khtn", 140, "score"),
    ("cong_nghe", 52, "score"),
    ("tin", 35, "score"),
    ("tieng_dan_toc", 70, "score"),
    ("gdtc", 70, "comment"),
    ("nghe_thuat", 70, "comment"),
    ("hdtn", 105, "comment"),
    ("gddp", 35, "comment"),
]
# TT58 THCS (old programme): 11 scored subjects + 2 comment subjects = 13.
TT58_SUBJECTS = [
    ("toan", 140, "score"),
    ("vat_li", 35, "score"),
    ("hoa_hoc", 70, "score"),
    ("sinh_hoc", 70, "score"),
    ("van", 140, "score"),
    ("lich_su", 52, "score"),
    ("dia_li", 52, "score"),
    ("anh", 105, "score"),
    ("gdcd", 35, "score"),
    ("cong_nghe", 52, "score"),
    ("tin", 70, "score"),
    ("the_duc", 70, "comment"),
    ("am_nhac", 35, "comment"),
]


def make_cases(rule_set_code: str, students: int, seed: int = SEED) -> list[dict[str, Any]]:
    """Deterministic contract cases (JSON numbers as strings with one decimal)."""
    rng = random.Random(seed)
    rule_set = get_rule_set(rule_set_code)
    kt_form = rule_set.kt_form_default
    catalogue = TT58_SUBJECTS if kt_form else TT22_SUBJECTS
    conduct_levels = [level.label for level in rule_set.conduct_scale]
    cases = []
    for index in range(students):
        ability = rng.randint(35, 95)  # tenths

        def score(ability: int = ability) -> str:
            tenths = min(100, max(0, ability + rng.randint(-25, 25)))
            return f"{tenths // 10}.{tenths % 10}"

        subjects = []
        for code, periods, kind in catalogue:
            count = rule_set.regular_count(SubjectKind(kind), periods)
            terms = {}
            for term in ("term1", "term2"):
                if kind == "comment":
                    cell: Callable[[], str] = lambda: "CĐ" if rng.random() < 0.02 else "Đ"  # noqa: E731
                else:
                    cell = score
                values = {"regular": [cell() for _ in range(count)], "final": cell()}
                if kt_form:
                    values["periodic"] = [cell() for _ in range(rng.randint(1, 2))]
                else:
                    values["midterm"] = cell()
                terms[term] = values
            subjects.append({"code": code, "kind": kind, "periods": periods, **terms, "retest": None})
        cases.append(
            {
                "id": f"student-{index}",
                "rule_set": rule_set_code,
                "grade": 6 + index % 4,
                "subjects": subjects,
                "conduct": {
                    "term1": rng.choices(conduct_levels, weights=[6, 3, 2, 1])[0],
                    "term2": rng.choices(conduct_levels, weights=[6, 3, 2, 1])[0],
                    "summer": None,
                },
                "absences": rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 45, 46]),
            }
        )
    return cases


def best_of(repeat: int, run: Callable[[], object], *, collect: bool = False) -> tuple[float, float]:
    """Best wall time and best CPU time of ``repeat`` runs (CPU time is what the process used,
    whatever else runs on the machine); like ``timeit``, the cyclic garbage collector is off
    while timing unless ``collect``."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        finally:
            gc.enable()
    return best_wall, best_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rule-set", default="tt22_2021", choices=["tt22_2021", "tt58_2011", "tt58_tt26_2020"])
    args = parser.parse_args()

    cases = make_cases(args.rule_set, args.students)
    typed: list[tuple[Any, StudentYearInput]] = [parse_case(case) for case in cases]
    subjects = len(cases[0]["subjects"])
    assert all(isinstance(student.conduct, ConductInput) for _, student in typed)  # noqa: S101
    assert isinstance(typed[0][1].subjects[0], SubjectInput)  # noqa: S101
    assert isinstance(typed[0][1].subjects[0].term1, TermScores)  # noqa: S101

    results = [rule_set.evaluate(student) for rule_set, student in typed]
    typed_seconds = best_of(args.repeat, lambda: [rule_set.evaluate(student) for rule_set, student in typed])
    typed_gc_seconds = best_of(
        args.repeat, lambda: [rule_set.evaluate(student) for rule_set, student in typed], collect=True
    )
    json_seconds = best_of(args.repeat, lambda: [evaluate(case) for case in cases])

    print(
        f"rules engine: {args.students} students x {subjects} subjects ({args.rule_set}), "
        f"seed {SEED}, best of {args.repeat}, Python {sys.version.split()[0]}"
    )
    for label, (wall, cpu) in (
        ("typed API      RuleSet.evaluate(StudentYearInput)", typed_seconds),
        ("typed API, garbage collector on                 ", typed_gc_seconds),
        ("JSON contract  grades.rules.evaluate(dict)      ", json_seconds),
    ):
        print(
            f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU "
            f"({wall / args.students * 1e6:.0f} / {cpu / args.students * 1e6:.0f} µs per student)"
        )
    outcomes = Counter(result.outcome.value for result in results)
    levels = Counter(
        result.learning_year.adjusted.label if result.learning_year.adjusted else "-" for result in results
    )
    adjusted = sum(result.learning_year.was_adjusted for result in results)
    print(f"year levels: {dict(sorted(levels.items()))}; adjusted by the clause: {adjusted}")
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    total = Decimal(sum(len(result.subjects) for result in results))
    print(f"subject results computed per run: {total}")


if __name__ == "__main__":
    main()
