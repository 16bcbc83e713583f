"""Scores of the demo school, entered through the grade-entry service as the teachers would have.

Last school year is complete (both terms, every column, a comment per student and term); this
year is part-way through term I: about half the regular assessments, the mid-term for the classes
of grades 6 and 7 and for 8A (the others are past their mid-term deadline, which the grid shows),
a few students absent waiting for their make-up. Deterministic: a fixed random seed and ordered
queries.
"""

from __future__ import annotations

import random
from collections import defaultdict

from django.utils import timezone

from grades.grid import grid_spec
from grades.models import COMMENT_COLUMN
from grades.rules import ColumnKind
from grades.services import Entry, row_is_closed, score_record_many
from schools.models import ClassSubject, Enrolment, SchoolYear, TeachingAssignment

SEED = 20261202
REASON = "Nhập điểm (dữ liệu mẫu)"
MIDTERM_DONE = {"6A", "6B", "6C", "7A", "7B", "7C", "8A"}
COMMENTS_GOOD = [
    "Nắm vững kiến thức, vận dụng tốt.",
    "Chăm chỉ, tích cực phát biểu xây dựng bài.",
    "Tiến bộ rõ rệt so với đầu kì.",
    "Hoàn thành tốt các nhiệm vụ học tập.",
]
COMMENTS_FAIR = [
    "Nắm được kiến thức cơ bản, cần cẩn thận hơn khi làm bài.",
    "Có cố gắng, cần tích cực hơn trong giờ học.",
    "Cần rèn thêm kĩ năng trình bày.",
]
COMMENTS_WEAK = [
    "Cần ôn tập thêm kiến thức cơ bản.",
    "Chưa tập trung trong giờ học, cần cố gắng nhiều hơn.",
]


def _score_text(value: float) -> str:
    tenths = max(0, min(100, int(value * 10 + 0.5)))
    return f"{tenths // 10},{tenths % 10}"


def _half_points(value: float) -> str:
    halves = max(0, min(20, int(value * 2 + 0.5)))
    return f"{halves // 2},{5 if halves % 2 else 0}"


def _comment(rng: random.Random, ability: float) -> str:
    pool = COMMENTS_GOOD if ability >= 7.5 else COMMENTS_FAIR if ability >= 5.5 else COMMENTS_WEAK
    return rng.choice(pool)


def seed_scores(*, previous: SchoolYear, current: SchoolYear) -> int:
    """Enter the demo scores; returns the number of cells written."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    ability: dict[int, float] = {}
    written = 0
    for year, complete in ((previous, True), (current, False)):
        class_subjects = (
            ClassSubject.objects.filter(class_group__school_year=year)
            .select_related("class_group__school_year", "subject")
            .order_by("class_group__grade_level", "class_group__name", "subject__order")
        )
        teachers = {
            a.class_subject_id: a.teacher
            for a in TeachingAssignment.objects.filter(class_subject__class_group__school_year=year)
            .select_related("teacher")
            .order_by("starts_on", "pk")
        }
        by_class: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in Enrolment.objects.filter(school_year=year).select_related("student").order_by("pk"):
            by_class[enrolment.class_group_id].append(enrolment)
            ability.setdefault(enrolment.student_id, min(9.6, max(3.2, rng.gauss(6.9, 1.25))))
        for class_subject in class_subjects:
            spec = grid_spec(class_subject)
            class_name = class_subject.class_group.name
            terms = spec.terms if complete else spec.terms[:1]
            regular = [c for c in spec.columns if c.contract_field == "regular"]
            entries: list[Entry] = []
            for term in terms:
                if complete:
                    columns = list(spec.columns)
                else:
                    filled = (len(regular) + 1) // 2 + (1 if class_name.endswith("A") and len(regular) > 2 else 0)
                    columns = regular[:filled]
                    if class_name in MIDTERM_DONE:
                        columns += [c for c in spec.columns if c.kind is ColumnKind.MIDTERM]
                for enrolment in by_class[class_subject.class_group_id]:
                    if row_is_closed(enrolment, today):
                        continue
                    level = ability[enrolment.student_id] + (0.3 if term.number == 2 else 0)
                    for column in columns:
                        if spec.is_comment:
                            text = "CĐ" if rng.random() < (0.12 if level < 5 else 0.02) else "Đ"
                        elif not complete and rng.random() < 0.01:
                            text = "V"  # absent for a force-majeure reason, make-up pending
                        elif column.kind is ColumnKind.REGULAR:
                            text = _half_points(level + rng.gauss(0.2, 1.1))
                        else:
                            text = _score_text(level + rng.gauss(-0.2, 0.9))
                        entries.append(Entry(enrolment.pk, term.pk, column.key, text))
                    if complete:
                        entries.append(Entry(enrolment.pk, term.pk, COMMENT_COLUMN, _comment(rng, level)))
            if entries:
                score_record_many(
                    actor=teachers.get(class_subject.pk),
                    class_subject=class_subject,
                    entries=entries,
                    reason=REASON,
                    spec=spec,
                    today=today,
                )
                written += len(entries)
    return written
