"""Builders for rules-engine tests: the spec's worked examples (cases/*.json) and typed inputs."""

import copy
import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from grades.rules import (
    CommentMark,
    ConductInput,
    StudentYearInput,
    SubjectInput,
    TermScores,
    evaluate,
)

CASES_DIR = Path(__file__).parent / "cases"

# assessment-rules.md section 12 conventions: THCS scored subjects in this order, then comments.
THCS_SCORED = [
    ("van", 140),
    ("toan", 140),
    ("anh", 105),
    ("gdcd", 35),
    ("lsdl", 105),
    ("khtn", 140),
    ("cong_nghe", 35),
    ("tin", 35),
]
THCS_COMMENT = [("gdtc", 70), ("nghe_thuat", 70), ("hdtn", 105), ("gddp", 35)]
D, CD = CommentMark.DAT, CommentMark.CHUA_DAT


@cache
def _load(filename: str) -> dict[str, dict]:
    cases = json.loads((CASES_DIR / filename).read_text(encoding="utf-8"))
    return {case["id"]: case for case in cases}


def spec_case(filename: str, case_id: str, **changes) -> dict:
    """A worked example of the specification as a contract case (a fresh copy)."""
    case = copy.deepcopy(_load(filename)[case_id])
    case.update(changes)
    return case


def run(filename: str, case_id: str, **changes) -> dict:
    return evaluate(spec_case(filename, case_id, **changes))


def dec(value) -> Decimal:
    return Decimal(str(value))


def uniform_term(periods: int, value, *, comment: bool = False, count: int | None = None) -> TermScores:
    """A TT22 term whose every cell holds ``value``: its average is ``value``."""
    n = count if count is not None else (2 if comment or periods <= 35 else 3 if periods <= 70 else 4)
    if isinstance(value, str) and value in ("Đ", "CĐ"):
        value = CommentMark.from_label(value)
    cell = value if isinstance(value, CommentMark) else dec(value)
    return TermScores(regular=(cell,) * n, midterm=cell, final=cell)


def thcs_student(
    scores,
    comments: dict | None = None,
    *,
    term1=None,
    conduct=("Tốt", "Tốt"),
    absences=3,
    grade=7,
    retest: dict | None = None,
) -> StudentYearInput:
    """A TT22 THCS student: eight scored subjects with the given averages in every period
    (``term1`` overrides term I), four comment subjects Đ unless ``comments`` says CĐ (term II)."""
    from grades.rules import Level22

    comments = comments or {}
    retest = retest or {}
    subjects = []
    for index, ((code, periods), value) in enumerate(zip(THCS_SCORED, scores, strict=True)):
        first = term1[index] if term1 is not None else value
        subjects.append(
            SubjectInput(
                code=code,
                periods=periods,
                term1=uniform_term(periods, first),
                term2=uniform_term(periods, value),
                retest=dec(retest[code]) if code in retest else None,
            )
        )
    for code, periods in THCS_COMMENT:
        subjects.append(
            SubjectInput(
                code=code,
                periods=periods,
                term1=uniform_term(periods, D, comment=True),
                term2=uniform_term(periods, comments.get(code, D), comment=True),
                retest=retest.get(code),
            )
        )
    return StudentYearInput(
        grade=grade,
        subjects=tuple(subjects),
        conduct=ConductInput(term1=Level22.from_label(conduct[0]), term2=Level22.from_label(conduct[1])),
        absences=Decimal(absences),
    )
