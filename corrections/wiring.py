"""The concrete targets of corrections and the lower apps' history sources.

- Scores (``grades``): wired. Lines name a score column of the class's subject; values are what the
  grid shows ("8,5", "Đ", "V"); applying goes through ``grades.services.score_record_many`` with
  the minutes as ``correction`` (the one path that passes a lock) and each line's old value as
  ``expected_text`` (a cell that moved refuses the whole batch).
- Attendance (``attendance``): wired. Lines name a day (and session) of the term, values are the
  register's codes ("P", "K", "M", "" = present); applying goes through
  ``attendance.services.attendance_record_many`` with the minutes as ``correction`` (the one path
  past the "attendance" lock and a completed month) after checking each old code under row locks.
- Conduct (``grades``): wired. The minutes of a class and a term have one column, the term's
  conduct level ("Tốt", "Khá" … of the year's rule set); applying goes through
  ``grades.results_services.conduct_record_many`` with the minutes as ``correction`` (the one path
  past the "conduct" lock) and each line's old level as ``expected_level``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .targets import ATTENDANCE, CONDUCT, Cell, Change, StaleCells, Target, check_unchanged, register

_loaded = False


def ensure_loaded() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    register(ScoreTarget())
    register(AttendanceTarget())
    register(ConductTarget())


# --- scores -----------------------------------------------------------------------------------


class ScoreTarget(Target):
    kind = "score"

    def _spec(self, correction):
        from grades.grid import grid_spec

        spec = getattr(correction, "_grid_spec", None)
        if spec is None:
            from schools.models import ClassSubject

            class_subject = ClassSubject.objects.select_related("class_group__school_year__school", "subject").get(
                pk=correction.class_subject_id
            )
            spec = grid_spec(class_subject)
            correction._grid_spec = spec
        return spec

    def columns(self, correction):
        return [(column.key, column.label) for column in self._spec(correction).columns]

    def lock_column(self, correction, column):
        return (correction.class_subject_id, column)

    def read(self, correction, cells: Sequence[Cell]) -> dict[Cell, str]:
        from grades.models import ScoreCell

        found = {
            (row.enrolment_id, row.column): row.display
            for row in ScoreCell.objects.filter(
                class_subject_id=correction.class_subject_id,
                term_id=correction.term_id,
                enrolment_id__in={c.enrolment_id for c in cells},
                column__in={c.column for c in cells},
            )
        }
        return {cell: found.get((cell.enrolment_id, cell.column), "") for cell in cells}

    def parse(self, correction, column, raw):
        from grades.grid import parse_entry

        parsed = parse_entry(self._spec(correction), column, raw or "")
        if not parsed.ok:
            raise ValidationError(parsed.error)
        return parsed.display

    def windowed(self, column: str) -> bool:
        # P-COR-4: the window closes the term's regular and mid-term columns; the end-of-term
        # score only exists after the test, so its corrections are not bound by it.
        return column != "final"

    def final_test_date(self, correction) -> date | None:
        from grades.models import AssessmentDate

        own = (
            AssessmentDate.objects.filter(
                class_subject_id=correction.class_subject_id, term_id=correction.term_id, column="final"
            )
            .values_list("test_date", flat=True)
            .first()
        )
        return own or correction.term.final_test_date

    def apply(self, *, correction, changes: Sequence[Change], actor) -> None:
        from grades.services import ConflictError, Entry, score_record_many

        spec = self._spec(correction)
        entries = [
            Entry(
                enrolment_id=change.cell.enrolment_id,
                term_id=correction.term_id,
                column=change.cell.column,
                text=change.new,
                expected_text=change.old,
            )
            for change in changes
        ]
        try:
            score_record_many(
                actor=actor,
                class_subject=spec.class_subject,
                entries=entries,
                reason=record_reason(correction),
                correction=correction.reference,
                spec=spec,
            )
        except ConflictError as exc:
            stale = {Cell(c.entry.enrolment_id, c.entry.column): c.theirs for c in exc.conflicts}
            check_unchanged(changes, {**{ch.cell: ch.old for ch in changes}, **stale}, _describer(correction, self))
            raise StaleCells(
                stale, _("Nothing was changed: some cells changed after the minutes were drawn up.")
            ) from exc


def record_reason(correction) -> str:
    """The history's reason after the minutes number (data: Vietnamese whatever the reader's language)."""
    decided = correction.decided_at.strftime("%d/%m/%Y") if correction.decided_at else ""
    principal = correction.decided_by.full_name if correction.decided_by_id else ""
    admin = correction.admin_applied_by.full_name if correction.admin_applied_by_id else ""
    return (
        f"Hiệu trưởng {principal} duyệt ngày {decided}; "
        f"thực hiện: {correction.requested_by.full_name} cùng quản trị {admin}"
    )


def _describer(correction, target: Target):
    from schools.models import Enrolment

    def describe(cell: Cell) -> str:
        enrolment = Enrolment.objects.select_related("student").filter(pk=cell.enrolment_id).first()
        name = enrolment.student.full_name if enrolment else f"#{cell.enrolment_id}"
        return f"{name} – {target.column_label(correction, cell.column)}"

    return describe


# --- conduct ----------------------------------------------------------------------------------

CONDUCT_COLUMN = "conduct"
CONDUCT_YEAR_COLUMN = "conduct_year"


class ConductTarget(Target):
    """A line names a student's conduct level of the minutes' term (column ``"conduct"``) or, under
    Circular 58 and in the second term's minutes, of the year (``"conduct_year"``: under Circular 22
    the year's result follows from the terms and is not entered)."""

    kind = CONDUCT

    def _rule_set(self, correction):
        rule_set = getattr(correction, "_rule_set", None)
        if rule_set is None:
            from grades.rules import get_rule_set
            from schools.models import GradeRuleSet

            code = (
                GradeRuleSet.objects.filter(
                    school_year_id=correction.school_year_id, grade_level=correction.class_group.grade_level
                )
                .values_list("rule_set", flat=True)
                .first()
            )
            rule_set = get_rule_set(code or "tt22_2021")
            correction._rule_set = rule_set
        return rule_set

    @staticmethod
    def _period(correction, column: str = CONDUCT_COLUMN) -> str:
        if column == CONDUCT_YEAR_COLUMN:
            return "year"
        return "term1" if correction.term.number == 1 else "term2"

    def columns(self, correction):
        if self._rule_set(correction).code == "tt22_2021":
            return [(CONDUCT_COLUMN, "Kết quả rèn luyện")]
        columns = [(CONDUCT_COLUMN, "Hạnh kiểm")]
        if correction.term.number == 2:
            columns.append((CONDUCT_YEAR_COLUMN, "Hạnh kiểm cả năm"))
        return columns

    def lock_column(self, correction, column):
        # The year's conduct is locked with the year's results (grades.results_services).
        return (None, "results" if column == CONDUCT_YEAR_COLUMN else CONDUCT_COLUMN)

    def lock_term(self, correction, column):
        return None if column == CONDUCT_YEAR_COLUMN else correction.term

    def read(self, correction, cells: Sequence[Cell]) -> dict[Cell, str]:
        from grades.models import ConductRating

        periods = {self._period(correction, c.column) for c in cells}
        found = {
            (enrolment_id, period): level
            for enrolment_id, period, level in ConductRating.objects.filter(
                enrolment_id__in={c.enrolment_id for c in cells}, period__in=periods
            ).values_list("enrolment_id", "period", "level")
        }
        return {cell: found.get((cell.enrolment_id, self._period(correction, cell.column)), "") for cell in cells}

    def parse(self, correction, column, raw):
        from grades.results_services import canonical_level

        rule_set = self._rule_set(correction)
        level = canonical_level(rule_set, raw or "")
        if not level:
            raise ValidationError(
                _("Choose a conduct level: %(levels)s.")
                % {"levels": ", ".join(level.label for level in rule_set.conduct_scale)}
            )
        return level

    def windowed(self, column: str) -> bool:
        # P-COR-4's window closes the score columns before the end-of-term test; conduct is rated after it.
        return False

    def apply(self, *, correction, changes: Sequence[Change], actor) -> None:
        from grades.results_services import ConductEntry, StaleRows, conduct_record_many

        try:
            conduct_record_many(
                actor=actor,
                class_group=correction.class_group,
                entries=[
                    ConductEntry(
                        enrolment_id=change.cell.enrolment_id,
                        period=self._period(correction, change.cell.column),
                        level=change.new,
                        expected_level=change.old,
                    )
                    for change in changes
                ],
                reason=record_reason(correction),
                correction=correction.reference,
            )
        except StaleRows as exc:
            current = self.read(correction, [change.cell for change in changes])
            check_unchanged(changes, current, _describer(correction, self))
            raise StaleCells({}, exc.messages[0]) from exc


# --- attendance -------------------------------------------------------------------------------

ATTENDANCE_CODES = {"": "", "p": "P", "k": "K", "m": "M"}


class AttendanceTarget(Target):
    """A line names one day (and session) of a student: column ``"2026-10-05/all"``."""

    kind = ATTENDANCE

    @staticmethod
    def split(column: str) -> tuple[date, str]:
        day, _sep, session = column.partition("/")
        try:
            return date.fromisoformat(day), session or "all"
        except ValueError:
            raise ValidationError(_("Choose a day of the term.")) from None

    def columns(self, correction):
        from django.utils import timezone

        from attendance.selectors import attendance_days, sessions_of

        term = correction.term
        end = min(term.end_date, timezone.localdate())
        days = attendance_days(correction.class_group, term.start_date, end, [term])
        sessions = sessions_of(correction.class_group)
        labels = {"all": "", "am": " (sáng)", "pm": " (chiều)"}
        return [(f"{d.isoformat()}/{s}", f"{d:%d/%m/%Y}{labels.get(s, '')}") for d in days for s in sessions]

    def lock_column(self, correction, column):
        return (None, ATTENDANCE)

    def read(self, correction, cells):
        from attendance.models import AttendanceMark

        keys = {(c.enrolment_id, *self.split(c.column)) for c in cells}
        found = {
            (m.enrolment_id, m.date, m.session): m.code
            for m in AttendanceMark.objects.filter(enrolment_id__in={k[0] for k in keys}, date__in={k[1] for k in keys})
        }
        return {c: found.get((c.enrolment_id, *self.split(c.column)), "") for c in cells}

    def parse(self, correction, column, raw):
        code = ATTENDANCE_CODES.get((raw or "").strip().casefold())
        if code is None:
            raise ValidationError(_("Use P (absent with leave), K (absent without leave), M (late) or leave it empty."))
        return code

    def display(self, correction, column, value):
        return value or _("present")

    def windowed(self, column: str) -> bool:
        return False

    def apply(self, *, correction, changes, actor) -> None:
        from attendance.models import AttendanceMark
        from attendance.services import AttendanceConflict, CellChange, attendance_record_many

        keys = [(c.cell.enrolment_id, *self.split(c.cell.column)) for c in changes]
        marks = {
            (m.enrolment_id, m.date, m.session): m
            for m in AttendanceMark.objects.select_for_update()
            .filter(enrolment_id__in={k[0] for k in keys}, date__in={k[1] for k in keys})
            .order_by("pk")
        }
        current = {c.cell: (marks[k].code if k in marks else "") for c, k in zip(changes, keys, strict=True)}
        check_unchanged(changes, current, _describer(correction, self))
        cell_changes = [
            CellChange(
                enrolment_id=k[0], date=k[1], session=k[2], code=c.new, version=marks[k].version if k in marks else 0
            )
            for c, k in zip(changes, keys, strict=True)
        ]
        try:
            attendance_record_many(
                class_group=correction.class_group,
                changes=cell_changes,
                actor=actor,
                reason=record_reason(correction),
                correction=correction.reference,
            )
        except AttendanceConflict as exc:
            raise StaleCells({}, exc.message) from exc


# --- the grade cells in the audit trail ----------------------------------------------------------


def history_sources():
    from django.apps import apps

    from .audit import HistorySource
    from .selectors import column_name

    if not apps.is_installed("grades"):
        return []
    from grades.models import AssessmentDate, ConductRating, ScoreCell, SubjectComment
    from grades.services import REASON_CORRECTION

    common = {
        "school": "class_subject__class_group__school_year__school_id",
        "class_group": "class_subject__class_group_id",
        "class_subject": "class_subject_id",
        "subject": "class_subject__subject_id",
        "department": "class_subject__subject__department_id",
        "term": "term_id",
    }
    return [
        HistorySource(
            "score_cell",
            "score",
            ScoreCell,
            describe=lambda r: (
                f"{r.enrolment.student.full_name} – {r.class_subject.class_group.name} – "
                f"{r.class_subject.subject.name} – {column_name(r.column)} ({r.term.get_number_display()})"
            ),
            select_related=("enrolment__student", "class_subject__class_group", "class_subject__subject", "term"),
            student="enrolment__student_id",
            cell_change=True,
            correction_prefix=REASON_CORRECTION.split("{", 1)[0],
            hidden=frozenset({"enrolment", "class_subject", "term", "column"}),
            **common,
        ),
        HistorySource(
            "subject_comment",
            "score",
            SubjectComment,
            describe=lambda r: (
                f"{r.enrolment.student.full_name} – {r.class_subject.class_group.name} – "
                f"{r.class_subject.subject.name} – nhận xét ({r.term.get_number_display()})"
            ),
            select_related=("enrolment__student", "class_subject__class_group", "class_subject__subject", "term"),
            student="enrolment__student_id",
            hidden=frozenset({"enrolment", "class_subject", "term"}),
            **common,
        ),
        HistorySource(
            "conduct_rating",
            "conduct",
            ConductRating,
            school="enrolment__school_year__school_id",
            describe=lambda r: (
                f"{r.enrolment.student.full_name} – {r.enrolment.class_group.name} – "
                f"rèn luyện ({r.get_period_display()})"
            ),
            select_related=("enrolment__student", "enrolment__class_group"),
            student="enrolment__student_id",
            class_group="enrolment__class_group_id",
            correction_prefix=REASON_CORRECTION.split("{", 1)[0],
            hidden=frozenset({"enrolment", "period", "version", "updated_at", "updated_by"}),
        ),
        HistorySource(
            "assessment_date",
            "score",
            AssessmentDate,
            describe=lambda r: (
                f"{r.class_subject.class_group.name} – {r.class_subject.subject.name} – "
                f"{column_name(r.column)}: ngày kiểm tra"
            ),
            select_related=("class_subject__class_group", "class_subject__subject"),
            hidden=frozenset({"class_subject", "term", "column"}),
            **common,
        ),
    ]
