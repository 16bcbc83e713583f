"""A whole class through term I, term II, the year's results, approval, the summer (a re-test that
promotes a student and one that does not, summer conduct training) and the rollover to the next
year, under Thông tư 22 and Thông tư 58, through the services the pages call."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from grades.models import SUMMER, TERM1, TERM2, YEAR, ConductRating, ResultBatch, RetestScore, ScoreCell, StudentResult
from grades.results_selectors import approved_results, results_page
from grades.results_services import (
    ClassPlan,
    ConductEntry,
    RetestEntry,
    conduct_record_many,
    results_approve,
    results_compute,
    results_propose,
    retest_record_many,
    school_rollover,
)
from grades.services import EntriesRefused, Entry, score_record_many
from schools.locks import LockMap
from schools.models import BookLock, ClassGroup, Enrolment, SchoolYear
from schools.services import TermSpec
from tests.grades.results_world import complete_months, fill_term, make_results_world, rate

pytestmark = pytest.mark.django_db

# Per student (index in the class): TT22, a class of grade 9.
#   0 excellent -> Học sinh Xuất sắc, completes the programme
#   1 fair -> Khá, completes the programme
#   2 Toán 3,0 and Tiếng Anh 4,0 -> re-assessed in both; 6,0 and 5,5 -> promoted after the summer
#   3 same -> re-assessed; Toán 3,0 again -> retained
#   4 conduct Chưa đạt in term II -> summer training; Đạt after it -> promoted after the summer
TT22_SCORES = {
    0: {"*": 9.5},
    1: {"*": 7},
    2: {"*": 7, "toan": 3, "anh": 4},
    3: {"*": 7, "toan": 3, "anh": 4},
    4: {"*": 7},
}
# TT58, a class of grade 7.
#   0 Giỏi + hạnh kiểm Tốt -> Học sinh giỏi; 1 Khá; 2 Vật lí 3,0 -> Yếu, re-test 6,0 -> promoted;
#   3 same, re-test 3,0 -> retained; 4 hạnh kiểm Yếu -> summer training, Trung bình -> promoted.
TT58_SCORES = {
    0: {"*": 9},
    1: {"*": 7},
    2: {"*": 6, "vat_li": 3},
    3: {"*": 6, "vat_li": 3},
    4: {"*": 7},
}
CASES = {
    "tt22_2021": {
        "grade": 9,
        "scores": TT22_SCORES,
        "conduct1": ["Tốt", "Khá", "Khá", "Khá", "Khá"],
        "conduct2": ["Tốt", "Khá", "Khá", "Khá", "Chưa đạt"],
        "year_conduct": None,
        "year": {
            0: ("COMPLETED_PROGRAMME", "Tốt", "Học sinh Xuất sắc"),
            1: ("COMPLETED_PROGRAMME", "Khá", ""),
            2: ("SUMMER_REASSESSMENT", "Chưa đạt", ""),
            3: ("SUMMER_REASSESSMENT", "Chưa đạt", ""),
            4: ("SUMMER_TRAINING", "Khá", ""),
        },
        "retests": {"toan": {2: "6,0", 3: "3,0"}, "anh": {2: "5,5", 3: "6,0"}},
        "summer_conduct": "Đạt",
        "summer": {
            2: ("PROMOTED_AFTER_SUMMER", "Đạt"),
            3: ("RETAINED", "Chưa đạt"),
            4: ("PROMOTED_AFTER_SUMMER", "Khá"),
        },
    },
    "tt58_2011": {
        "grade": 7,
        "scores": TT58_SCORES,
        "conduct1": ["Tốt", "Khá", "Khá", "Khá", "Khá"],
        "conduct2": ["Tốt", "Khá", "Khá", "Khá", "Yếu"],
        "year_conduct": ["Tốt", "Khá", "Khá", "Khá", "Yếu"],
        "year": {
            0: ("PROMOTED", "Giỏi", "Học sinh giỏi"),
            1: ("PROMOTED", "Khá", "Học sinh tiên tiến"),
            2: ("SUMMER_REASSESSMENT", "Yếu", ""),
            3: ("SUMMER_REASSESSMENT", "Yếu", ""),
            4: ("SUMMER_TRAINING", "Khá", ""),
        },
        "retests": {"vat_li": {2: "6,0", 3: "3,0"}},
        "summer_conduct": "Trung bình",
        "summer": {
            2: ("PROMOTED_AFTER_SUMMER", "Trung bình"),
            3: ("RETAINED", "Yếu"),
            4: ("PROMOTED_AFTER_SUMMER", "Khá"),
        },
    },
}


def value_for(scores, rule_set):
    comment = "the_duc" if rule_set == "tt58_2011" else "gdtc"

    def value(index, code):
        if code == comment:
            return "Đ"
        row = scores[index]
        return row.get(code, row["*"])

    return value


def by_student(world, period):
    results = {r.enrolment_id: r for r in approved_results(world.class_group, period)}
    return {i: results.get(e.pk) for i, e in enumerate(world.enrolments)}


def approve(world, period):
    results_compute(actor=world.homeroom, class_group=world.class_group, period=period, reason="Cuối kì")
    results_propose(actor=world.homeroom, class_group=world.class_group, period=period, comment="Đề nghị duyệt")
    principal = world.users[Role.PRINCIPAL]
    return results_approve(actor=principal, class_group=world.class_group, period=period, comment="Đồng ý")


@pytest.mark.parametrize("rule_set", ["tt22_2021", "tt58_2011"])
def test_a_class_through_the_whole_year_and_into_the_next(rule_set):
    case = CASES[rule_set]
    world = make_results_world(rule_set, students=5, grade=case["grade"])
    values = value_for(case["scores"], rule_set)
    cg = world.class_group
    term1 = world.year.terms.get(number=1)

    # --- term I ---------------------------------------------------------------------------------
    fill_term(world, 1, values)
    rate(world, TERM1, case["conduct1"])
    complete_months(world, until=term1.end_date)
    batch = approve(world, TERM1)
    assert batch.status == ResultBatch.Status.APPROVED
    results = by_student(world, TERM1)
    assert all(r.rule_set_code == rule_set and r.rule_set_version for r in results.values())
    assert results[0].conduct == "Tốt"
    # The approval locked the term's results and their inputs (the class, the term): conduct and
    # scores of term I can no longer be written except through a correction.
    locks = BookLock.objects.filter(class_group=cg, term=term1, scope=BookLock.Scope.CLASS)
    assert {row.column for row in locks} == {"results", ""}
    assert all(row.decided_by == world.users[Role.PRINCIPAL] and row.executed_at for row in locks)
    assert LockMap(cg, term1).state(column="results").locked
    with pytest.raises(ValidationError):
        conduct_record_many(
            actor=world.homeroom, class_group=cg, entries=[ConductEntry(world.enrolments[1].pk, TERM1, "Tốt")]
        )
    code = next(iter(world.subjects))
    with pytest.raises(EntriesRefused):
        score_record_many(
            actor=world.teachers[code],
            class_subject=world.class_subject(code),
            entries=[Entry(world.enrolments[0].pk, term1.pk, "final", "1")],
            reason="test",
        )
    with pytest.raises(ValidationError):  # approved results are never recomputed silently
        results_compute(actor=world.homeroom, class_group=cg, period=TERM1)

    # --- term II and the year ---------------------------------------------------------------------
    fill_term(world, 2, values)
    rate(world, TERM2, case["conduct2"])
    complete_months(world)
    approve(world, TERM2)
    if case["year_conduct"]:
        rate(world, YEAR, case["year_conduct"])
    approve(world, YEAR)
    year = by_student(world, YEAR)
    for index, (outcome, learning, title) in case["year"].items():
        assert (year[index].outcome, year[index].learning, year[index].title) == (outcome, learning, title), index
    assert year[4].summer_training is True
    page = results_page(cg, YEAR)
    assert [r.student.enrolment.pk for r in page.lists.retest] == [world.enrolments[2].pk, world.enrolments[3].pk]
    assert [r.student.enrolment.pk for r in page.lists.summer_training] == [world.enrolments[4].pk]
    assert len(page.lists.honours) == (1 if rule_set == "tt22_2021" else 2)

    # --- the summer ------------------------------------------------------------------------------
    summer_now = world.summer_moment()
    for code, marks in case["retests"].items():
        retest_record_many(
            actor=world.teachers[code],
            class_subject=world.class_subject(code),
            entries=[RetestEntry(world.enrolments[i].pk, text) for i, text in marks.items()],
            now=summer_now,
        )
    conduct_record_many(
        actor=world.homeroom,
        class_group=cg,
        entries=[ConductEntry(world.enrolments[4].pk, SUMMER, case["summer_conduct"], summer_completed=True)],
        now=summer_now,
    )
    approve(world, SUMMER)
    summer = by_student(world, SUMMER)
    assert summer[0] is None and summer[1] is None  # the summer concerns only the students sent to it
    for index, (outcome, learning) in case["summer"].items():
        assert (summer[index].outcome, summer[index].learning) == (outcome, learning), index
    # The year's own record keeps its original values (R22-YE-4).
    assert by_student(world, YEAR)[2].outcome == "SUMMER_REASSESSMENT"

    # --- the next year ------------------------------------------------------------------------------
    frozen = {
        model: (model.objects.count(), model.history.count())
        for model in (ScoreCell, ConductRating, StudentResult, RetestScore, ResultBatch)
    }
    admin = world.users[Role.ADMIN_BOARD]
    start = world.year.start_year + 1
    grade = case["grade"]
    summary = school_rollover(
        actor=admin,
        school_year=world.year,
        start_date=date(start, 9, 5),
        end_date=date(start + 1, 5, 31),
        terms=[
            TermSpec(1, date(start, 9, 5), date(start + 1, 1, 16)),
            TermSpec(2, date(start + 1, 1, 18), date(start + 1, 5, 31)),
        ],
        plans={cg.pk: ClassPlan(promoted_to=f"{grade + 1}A", retained_to=f"{grade}A")},
    )
    new_year = SchoolYear.objects.get(school=world.school, start_year=start)
    assert new_year.is_current and summary.year == new_year
    placed = {
        e.student_id: e.class_group.name
        for e in Enrolment.objects.filter(school_year=new_year).select_related("class_group")
    }
    student = [e.student_id for e in world.enrolments]
    old = {e.student_id: e for e in Enrolment.objects.filter(school_year=world.year)}
    if grade == 9:  # the last grade: completers leave the school, the retained student stays in grade 9
        assert placed == {student[3]: "9A"}
        assert {i for i in range(5) if old[student[i]].status == Enrolment.Status.GRADUATED} == {0, 1, 2, 4}
        assert summary.graduated == 4 and summary.retained == 1
    else:
        assert placed == {student[0]: "8A", student[1]: "8A", student[2]: "8A", student[3]: "7A", student[4]: "8A"}
        assert ClassGroup.objects.get(school_year=new_year, name="8A").grade_level == 8
        assert not any(e.status == Enrolment.Status.GRADUATED for e in old.values())
        assert summary.promoted == 4 and summary.retained == 1
    # The new classes have their subjects; nothing of the old year changed.
    assert ClassGroup.objects.filter(school_year=new_year).first().class_subjects.count() == len(world.subjects)
    assert {
        model: (model.objects.count(), model.history.count())
        for model in (ScoreCell, ConductRating, StudentResult, RetestScore, ResultBatch)
    } == frozen
    with pytest.raises(ValidationError):  # once only
        school_rollover(
            actor=admin,
            school_year=world.year,
            start_date=date(start, 9, 5),
            end_date=date(start + 1, 5, 31),
            terms=[],
            plans={},
        )


def test_only_the_homeroom_teacher_proposes_and_only_the_principal_approves():
    world = make_results_world("tt22_2021", students=2, grade=6)
    values = value_for({0: {"*": 8}, 1: {"*": 8}}, "tt22_2021")
    fill_term(world, 1, values)
    rate(world, TERM1, "Tốt")
    complete_months(world, until=world.year.terms.get(number=1).end_date)
    cg = world.class_group
    results_compute(actor=world.homeroom, class_group=cg, period=TERM1)
    for someone in (world.users[Role.PRINCIPAL], world.teachers["toan"], world.users[Role.VICE_PRINCIPAL]):
        with pytest.raises(PermissionDenied):
            results_propose(actor=someone, class_group=cg, period=TERM1)
    results_propose(actor=world.homeroom, class_group=cg, period=TERM1)
    for someone in (world.homeroom, world.users[Role.VICE_PRINCIPAL], world.users[Role.ADMIN_BOARD]):
        with pytest.raises(PermissionDenied):
            results_approve(actor=someone, class_group=cg, period=TERM1)
    assert ResultBatch.objects.get(class_group=cg, period=TERM1).status == ResultBatch.Status.PROPOSED
