"""The JSON evaluation contract (shared/docs/rules-contract.md): a thin adapter over the typed API.

Input numbers are JSON numbers or strings ("8.5"; "8,5" is accepted too); outputs are strings
with one decimal ("8.0"). Besides the contract's keys the output carries two labelled
extensions: ``warnings`` (review flags for the principal, same sentence form as ``reasons``)
and ``provisional`` ({subject: {period: value}} for the "tạm tính" values of incomplete terms;
never an official result). ``overall_average`` also has ``after_retest`` (TT58 ĐTBcn
recomputed after the re-test).

Optional input keys beyond the contract: per subject ``exempt`` / ``practical_exempt`` (lists of
"term1"/"term2"), ``topic_cluster``, ``name``; ``conduct.year`` (TT58: the GVCN's year level),
``conduct.summer_training_completed``; ``specialist_subject``, ``disability_iep``;
``parameters`` ({name: value} overriding rule-set parameters; the version then says so);
``id`` (echoed in the output).
A subject's ``term1``/``term2`` of ``null`` means the subject is not taught in that term.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from decimal import Decimal, InvalidOperation
from typing import Any

from .base import RuleSet
from .errors import Issue, RulesInputError
from .labels import ColumnKind, CommentMark, Period, RankedLevel, SubjectKind
from .numbers import format_score
from .registry import get_rule_set
from .types import (
    CellValue,
    ConductInput,
    StudentYearInput,
    StudentYearResult,
    SubjectInput,
    TermScores,
)
from .validation import MSG_COMMENT_EXPECTED, parse_comment, parse_score

__all__ = ["evaluate", "evaluate_many", "parse_case", "result_to_dict"]

_CASE_KEYS = frozenset(
    {
        "id",
        "rule_set",
        "grade",
        "subjects",
        "conduct",
        "absences",
        "core_subjects",
        "specialist_subject",
        "disability_iep",
        "parameters",
    }
)
_SUBJECT_KEYS = frozenset(
    {
        "code",
        "kind",
        "periods",
        "term1",
        "term2",
        "retest",
        "exempt",
        "practical_exempt",
        "topic_cluster",
        "name",
    }
)
_TERM_KEYS = frozenset({"regular", "midterm", "final", "periodic"})
_MARKS = {mark.label: mark for mark in CommentMark}
_PLAIN_SCORE = re.compile(r"(?:10|[0-9])(?:\.[0-9])?")  # 0-10, at most one decimal, a point
_CONDUCT_KEYS = frozenset({"term1", "term2", "year", "summer", "summer_training_completed"})


def evaluate(case: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate one case of the contract; raises :class:`RulesInputError` (a ``ValueError``).

    An optional ``id`` of the case is echoed first in the output (handy for lists of cases).
    """
    rule_set, student = parse_case(case)
    output = result_to_dict(rule_set.evaluate(student))
    if case.get("id") is not None:
        output = {"id": str(case["id"]), **output}
    return output


def evaluate_many(cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [evaluate(case) for case in cases]


# --- input ---------------------------------------------------------------------------------


class _Reader:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def error(self, where: str, message: str) -> None:
        self.issues.append(Issue("error", where, message))

    def unknown_keys(self, data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        if data.keys() <= allowed:
            return
        for key in sorted(set(data) - allowed):
            self.error(where, f"Khóa không hợp lệ: {key!r}")


def parse_case(case: Mapping[str, Any]) -> tuple[RuleSet, StudentYearInput]:
    """The rule set and the typed input of a contract case."""
    reader = _Reader()
    if not isinstance(case, Mapping):
        raise RulesInputError([Issue("error", "", "Mỗi trường hợp phải là một đối tượng JSON")])
    reader.unknown_keys(case, _CASE_KEYS, "")
    code = case.get("rule_set")
    if not isinstance(code, str):
        raise RulesInputError([Issue("error", "rule_set", "Thiếu mã bộ quy tắc")])
    try:
        rule_set = get_rule_set(code)
    except ValueError as exc:
        raise RulesInputError([Issue("error", "rule_set", str(exc))]) from None
    overrides = case.get("parameters")
    if overrides:
        rule_set = _with_overrides(rule_set, overrides)

    grade = case.get("grade")
    if not isinstance(grade, int) or isinstance(grade, bool):
        reader.error("grade", "Khối lớp phải là số nguyên từ 6 đến 12")
        grade = 0
    raw_subjects = case.get("subjects")
    subjects: list[SubjectInput] = []
    if not isinstance(raw_subjects, list):
        reader.error("subjects", "Danh sách môn học phải là một mảng")
    else:
        for index, raw in enumerate(raw_subjects):
            subject = _subject(reader, rule_set, raw, f"subjects[{index}]")
            if subject is not None:
                subjects.append(subject)
    conduct = _conduct(reader, rule_set, case.get("conduct"))
    if "absences" not in case:
        reader.error("absences", "Thiếu số buổi nghỉ (null nếu chưa có)")
    absences = _number(reader, case.get("absences"), "absences")
    core = case.get("core_subjects")
    core_subjects: frozenset[str] | None = None
    if core is not None:
        if not isinstance(core, list) or not all(isinstance(item, str) for item in core):
            reader.error("core_subjects", "core_subjects phải là danh sách mã môn")
        else:
            core_subjects = frozenset(core)
    specialist = case.get("specialist_subject")
    if specialist is not None and not isinstance(specialist, str):
        reader.error("specialist_subject", "Mã môn chuyên phải là chuỗi")
        specialist = None
    if reader.issues:
        raise RulesInputError(reader.issues)
    student = StudentYearInput(
        grade=grade,
        subjects=tuple(subjects),
        conduct=conduct,
        absences=absences,
        core_subjects=core_subjects,
        specialist_subject=specialist,
        disability_iep=bool(case.get("disability_iep", False)),
    )
    return rule_set, student


def _with_overrides(rule_set: RuleSet, overrides: Any) -> RuleSet:
    if not isinstance(overrides, Mapping):
        raise RulesInputError([Issue("error", "parameters", "parameters phải là một đối tượng")])
    known = {f.name: getattr(rule_set.parameters, f.name) for f in fields(rule_set.parameters)}
    changes: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in known:
            raise RulesInputError([Issue("error", "parameters", f"Tham số không tồn tại: {name}")])
        current = known[name]
        if isinstance(current, frozenset):
            if not isinstance(value, list):
                raise RulesInputError([Issue("error", f"parameters.{name}", "Giá trị phải là một danh sách")])
            value = frozenset(value)
        elif current is not None and type(value) is not type(current):
            raise RulesInputError(
                [
                    Issue(
                        "error",
                        f"parameters.{name}",
                        f"Giá trị phải có kiểu {type(current).__name__}",
                    )
                ]
            )
        changes[name] = value
    return rule_set.with_parameters(**changes)


def _subject(reader: _Reader, rule_set: RuleSet, raw: Any, where: str) -> SubjectInput | None:
    if not isinstance(raw, Mapping):
        reader.error(where, "Mỗi môn học phải là một đối tượng")
        return None
    reader.unknown_keys(raw, _SUBJECT_KEYS, where)
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        reader.error(where, "Thiếu mã môn (code)")
        return None
    where = code
    kind: SubjectKind | None = None
    if raw.get("kind") is not None:
        try:
            kind = SubjectKind(raw["kind"])
        except ValueError:
            reader.error(where, "kind phải là 'score' hoặc 'comment'")
    periods = raw.get("periods")
    if not isinstance(periods, int) or isinstance(periods, bool):
        reader.error(where, "Số tiết/năm (periods) phải là số nguyên")
        periods = 0
    value_kind = rule_set.kind_of(code, kind)
    if kind is not None and kind is not value_kind:
        # R22-SUB-1 / R58-SUB-1: the rule set decides for the subjects it knows.
        expected = "nhận xét (Đ/CĐ)" if value_kind is SubjectKind.COMMENT else "điểm số"
        reader.error(where, f"Theo {rule_set.short_name}, môn này được đánh giá bằng {expected}.")
        return None
    terms: dict[Period, TermScores | None] = {}
    for period in (Period.TERM1, Period.TERM2):
        terms[period] = _term(reader, rule_set, raw.get(period.value), value_kind, f"{where}.{period.value}")
    retest = _cell(reader, rule_set, raw.get("retest"), value_kind, ColumnKind.RETEST, f"{where}.retest")
    return SubjectInput(
        code=code,
        periods=periods,
        term1=terms[Period.TERM1],
        term2=terms[Period.TERM2],
        kind=kind,
        retest=retest,
        exempt_terms=_periods(reader, raw.get("exempt"), f"{where}.exempt"),
        practical_exempt_terms=_periods(reader, raw.get("practical_exempt"), f"{where}.practical_exempt"),
        topic_cluster=bool(raw.get("topic_cluster", False)),
        name=raw.get("name") if isinstance(raw.get("name"), str) else None,
    )


def _periods(reader: _Reader, raw: Any, where: str) -> frozenset[Period]:
    if raw is None:
        return frozenset()
    if raw == "year":
        return frozenset({Period.TERM1, Period.TERM2})
    if not isinstance(raw, list) or not all(item in ("term1", "term2") for item in raw):
        reader.error(where, 'Phải là "year" hoặc danh sách "term1"/"term2"')
        return frozenset()
    return frozenset(Period(item) for item in raw)


def _term(reader: _Reader, rule_set: RuleSet, raw: Any, kind: SubjectKind, where: str) -> TermScores | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        reader.error(where, "Mỗi học kì phải là một đối tượng (hoặc null nếu không học)")
        return None
    reader.unknown_keys(raw, _TERM_KEYS, where)
    regular_kind = ColumnKind.REGULAR
    lists: dict[str, tuple[CellValue, ...]] = {}
    for key, column in (("regular", regular_kind), ("periodic", ColumnKind.PERIOD_TEST)):
        values = raw.get(key, [])
        if values is None:
            values = []
        if not isinstance(values, list):
            reader.error(f"{where}.{key}", "Phải là một mảng")
            values = []
        if key == "periodic" and values and column not in rule_set.column_kinds:
            reader.error(f"{where}.periodic", f"{rule_set.short_name} không có cột này")
            values = []
        lists[key] = _cells(reader, rule_set, values, kind, column, f"{where}.{key}")
    midterm_raw = raw.get("midterm")
    if midterm_raw is not None and ColumnKind.MIDTERM not in rule_set.column_kinds:
        reader.error(f"{where}.midterm", f"{rule_set.short_name} dùng periodic, không có midterm")
        midterm_raw = None
    return TermScores(
        regular=lists["regular"],
        midterm=_cell(reader, rule_set, midterm_raw, kind, ColumnKind.MIDTERM, f"{where}.midterm"),
        final=_cell(reader, rule_set, raw.get("final"), kind, ColumnKind.FINAL, f"{where}.final"),
        periodic=lists["periodic"],
    )


def _cells(
    reader: _Reader,
    rule_set: RuleSet,
    values: list[Any],
    kind: SubjectKind,
    column: ColumnKind,
    where: str,
) -> tuple[CellValue, ...]:
    """A list of cells; the common forms ("8.5", 8, "Đ") are read inline (hot path)."""
    cells: list[CellValue] = []
    append = cells.append
    plain = _PLAIN_SCORE.fullmatch
    comment = kind is SubjectKind.COMMENT
    for index, raw in enumerate(values):
        if comment:
            mark = _MARKS.get(raw) if type(raw) is str else None
            if mark is not None:
                append(mark)
                continue
        elif type(raw) is str and plain(raw):
            append(Decimal(raw))
            continue
        append(_cell(reader, rule_set, raw, kind, column, where, index))
    return tuple(cells)


def _cell(
    reader: _Reader,
    rule_set: RuleSet,
    raw: Any,
    kind: SubjectKind,
    column: ColumnKind,
    where: str,
    index: int | None = None,
) -> CellValue:
    """One value: null (missing), a number or a string; Đ/CĐ for a comment subject.

    Ranges and decimals of numbers are checked by the rule set (the same messages)."""
    if raw is None:
        return None
    kind_of_raw = type(raw)
    if kind is SubjectKind.COMMENT:
        mark = _MARKS.get(raw) if kind_of_raw is str else None
        if mark is not None:
            return mark
        if kind_of_raw is not str:
            reader.error(_at(where, index), MSG_COMMENT_EXPECTED)
            return None
        parsed = parse_comment(raw)
    elif kind_of_raw is str:
        if _PLAIN_SCORE.fullmatch(raw):
            return Decimal(raw)  # "8.5", "10": the common form needs no further parsing
        parsed = parse_score(raw, rule_set.code, column)
    elif kind_of_raw is int or kind_of_raw is Decimal:
        return Decimal(raw)
    elif kind_of_raw is float:
        # repr() is the shortest text of the JSON number, so 6.35 stays 6.35 (then refused).
        return Decimal(repr(raw))
    elif kind_of_raw is bool:
        reader.error(_at(where, index), "Điểm phải là một số")
        return None
    else:
        reader.error(_at(where, index), "Điểm phải là một số hoặc một chuỗi")
        return None
    if parsed.error is not None:
        reader.error(_at(where, index), parsed.error)
        return None
    return parsed.value


def _at(where: str, index: int | None) -> str:
    return where if index is None else f"{where}[{index}]"


def _number(reader: _Reader, raw: Any, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        reader.error(where, "Phải là một số")
        return None
    try:
        if isinstance(raw, int | Decimal | str):
            return Decimal(raw)
        if isinstance(raw, float):
            return Decimal(repr(raw))
    except InvalidOperation:
        pass
    reader.error(where, "Phải là một số")
    return None


def _conduct(reader: _Reader, rule_set: RuleSet, raw: Any) -> ConductInput:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        reader.error("conduct", "conduct phải là một đối tượng")
        raw = {}
    reader.unknown_keys(raw, _CONDUCT_KEYS, "conduct")
    scale = rule_set.conduct_scale
    levels: dict[str, Any] = {}
    for key in ("term1", "term2", "year", "summer"):
        label = raw.get(key)
        if label is None:
            levels[key] = None
            continue
        try:
            levels[key] = scale.from_label(label) if isinstance(label, str) else None
        except ValueError:
            levels[key] = None
        if levels[key] is None:
            allowed = ", ".join(member.label for member in scale)
            reader.error(f"conduct.{key}", f"Mức phải là một trong: {allowed}")
    completed = raw.get("summer_training_completed")
    if completed is not None and not isinstance(completed, bool):
        reader.error("conduct.summer_training_completed", "Phải là true, false hoặc null")
        completed = None
    return ConductInput(
        term1=levels["term1"],
        term2=levels["term2"],
        year=levels["year"],
        summer=levels["summer"],
        summer_training_completed=completed,
    )


# --- output --------------------------------------------------------------------------------


def _out(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format_score(value)
    if isinstance(value, CommentMark | RankedLevel):
        return value.label
    return str(getattr(value, "value", value))


def result_to_dict(result: StudentYearResult) -> dict[str, Any]:
    """The contract's output object of a typed result."""
    after = result.learning_after_retest
    provisional: dict[str, dict[str, str]] = {}
    subjects: dict[str, dict[str, str | None]] = {}
    for subject in result.subjects:
        subjects[subject.code] = {
            "term1": _out(subject.term1.value),
            "term2": _out(subject.term2.value),
            "year": _out(subject.year),
            "final_year": _out(subject.final_year),
        }
        pending = {
            period.value: _out(term.provisional)
            for period, term in ((Period.TERM1, subject.term1), (Period.TERM2, subject.term2))
            if term.value is None and term.provisional is not None
        }
        if subject.year is None and subject.year_provisional is not None:
            pending["year"] = _out(subject.year_provisional)
        if pending:
            provisional[subject.code] = pending  # type: ignore[assignment]
    return {
        "rule_set": result.rule_set_code,
        "rule_set_version": result.rule_set_version,
        "subjects": subjects,
        "overall_average": {  # TT58 only: TT22 results carry no overall average
            "term1": _out(result.learning_term1.overall_average),
            "term2": _out(result.learning_term2.overall_average),
            "year": _out(result.learning_year.overall_average),
            "after_retest": _out(after.overall_average) if after else None,
        },
        "learning": {
            "term1": _out(result.learning_term1.adjusted),
            "term2": _out(result.learning_term2.adjusted),
            "year": _out(result.learning_year.adjusted),
            "after_retest": _out(after.adjusted) if after else None,
        },
        "learning_raw": {
            "term1": _out(result.learning_term1.raw),
            "term2": _out(result.learning_term2.raw),
            "year": _out(result.learning_year.raw),
        },
        "conduct": {
            "term1": _out(result.conduct.term1),
            "term2": _out(result.conduct.term2),
            "year": _out(result.conduct.year),
            "after_summer": _out(result.conduct.after_summer),
        },
        "title": _out(result.title),
        "title_terms": {"term1": _out(result.title_term1), "term2": _out(result.title_term2)},
        "retest_subjects": list(result.retest_subjects),
        "summer_training": result.summer_training,
        "outcome": result.outcome.value,
        "reasons": [str(reason) for reason in result.reasons],
        "warnings": [str(reason) for reason in result.warnings],
        "provisional": provisional,
    }
