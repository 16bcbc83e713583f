"""The demo scores: entered through the grade-entry service, deterministic, last year complete and
this year part-way through term I."""

import pytest
from django.db import transaction

from demo.scores import MIDTERM_DONE, seed_scores
from grades.models import ScoreCell, SubjectComment
from schools import services as school_services
from schools.models import ClassSubject, SchoolYear
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        (c.enrolment.student.student_code, c.class_subject.subject.code, c.term.number, c.column, c.display)
        for c in ScoreCell.objects.select_related("enrolment__student", "class_subject__subject", "term")
    )


def test_demo_scores_are_deterministic_and_follow_the_calendar():
    world = make_world(classes=1, students_per_class=4, subjects=2)
    previous = SchoolYear.objects.create(
        school=world.school,
        start_year=2025,
        start_date=world.year.start_date.replace(year=2025),
        end_date=world.year.end_date.replace(year=2026),
        is_current=False,
    )
    runs = []
    for _ in range(2):
        with transaction.atomic():
            written = seed_scores(previous=previous, current=world.year)
            runs.append(snapshot())
            class_name = world.classes[0].name
            assert class_name in MIDTERM_DONE
            columns = set(ScoreCell.objects.values_list("column", flat=True))
            # Part-way through term I: regular assessments and the mid-term, no end-of-term yet.
            assert "final" not in columns and "midterm" in columns
            assert set(ScoreCell.objects.values_list("term__number", flat=True)) == {1}
            assert written == ScoreCell.objects.count() + SubjectComment.objects.count() > 0
            teachers = {cs.pk: cs.assignments.get().teacher_id for cs in ClassSubject.objects.all()}
            for cell in ScoreCell.objects.all():
                assert cell.updated_by_id == teachers[cell.class_subject_id]
            assert ScoreCell.history.filter(history_change_reason="Nhập điểm (dữ liệu mẫu)").count() == (
                ScoreCell.objects.count()
            )
            transaction.set_rollback(True)
    assert runs[0] == runs[1]


def test_last_year_is_complete():
    world = make_world(classes=1, students_per_class=3, subjects=1)
    current = school_services.school_year_create(
        school=world.school,
        start_year=2027,
        start_date=world.year.start_date.replace(year=2027),
        end_date=world.year.end_date.replace(year=2028),
        terms=[],
        rule_sets=dict.fromkeys(world.school.grade_levels, "tt22_2021"),
        make_current=False,
    )
    seed_scores(previous=world.year, current=current)
    per_student = 2 * (3 + 2)  # two terms of three regular columns, mid-term and end-of-term
    assert ScoreCell.objects.count() == 3 * per_student
    assert SubjectComment.objects.count() == 3 * 2
    assert not ScoreCell.objects.filter(value__isnull=True).exists()
