"""The services of conduct, results and the summer: what they refuse (with the Vietnamese reason,
nothing stored), what they record in the history, and how stored results relate to the data."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from grades.models import SUMMER, TERM1, TERM2, YEAR, ConductRating, ResultBatch, RetestScore, StudentResult
from grades.results_selectors import readiness, results_page, summer_deadline
from grades.results_services import (
    ConductEntry,
    RetestEntry,
    StaleRows,
    conduct_record_many,
    results_approve,
    results_compute,
    results_propose,
    retest_record_many,
    summer_deadline_set,
)
from grades.services import Entry, score_record_many
from schools.models import Enrolment
from schools.services import enrolment_leave
from tests.grades.results_world import complete_months, fill_term, make_results_world, rate

pytestmark = pytest.mark.django_db


def good(i, code):
    return "Đ" if code in ("gdtc", "the_duc") else 8


@pytest.fixture
def world():
    return make_results_world("tt22_2021", students=3, grade=6)


def test_conduct_levels_are_the_rule_sets(world):
    e = world.enrolments[0]
    with pytest.raises(ValidationError, match="không phải là mức rèn luyện của Thông tư 22"):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, TERM1, "Yếu")]
        )
    with pytest.raises(ValidationError, match="Điều 8 khoản 2 điểm b"):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, YEAR, "Tốt")]
        )
    with pytest.raises(ValidationError, match="không thuộc diện rèn luyện trong hè"):
        conduct_record_many(
            actor=world.homeroom,
            class_group=world.class_group,
            entries=[ConductEntry(e.pk, SUMMER, "Đạt", summer_completed=True)],
        )
    assert not ConductRating.objects.exists()
    rows = conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[ConductEntry(e.pk, TERM1, "  tốt ", comment="Chăm ngoan, lễ phép")],
    )
    assert (rows[0].level, rows[0].comment, rows[0].version) == ("Tốt", "Chăm ngoan, lễ phép", 1)
    history = ConductRating.history.get()
    assert history.history_user == world.homeroom and history.history_change_reason == "Đánh giá rèn luyện"


def test_tt58_conduct_has_its_own_scale_and_a_year_judgement():
    world = make_results_world("tt58_2011", students=1, grade=7)
    e = world.enrolments[0]
    conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[ConductEntry(e.pk, TERM2, "Trung bình"), ConductEntry(e.pk, YEAR, "Khá")],
    )
    assert dict(ConductRating.objects.values_list("period", "level")) == {TERM2: "Trung bình", YEAR: "Khá"}
    with pytest.raises(ValidationError, match="Tốt, Khá, Trung bình, Yếu"):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, TERM1, "Đạt")]
        )


def test_an_unchanged_rating_is_not_rewritten_and_a_stale_one_is_refused(world):
    e = world.enrolments[0]
    conduct_record_many(actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, TERM1, "Khá")])
    conduct_record_many(
        actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, TERM1, "Khá", version=1)]
    )
    assert ConductRating.history.count() == 1
    with pytest.raises(StaleRows, match="Khá"):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(e.pk, TERM1, "Tốt", version=0)]
        )
    assert ConductRating.objects.get().level == "Khá"


def test_a_student_who_left_is_not_rated_and_leaves_the_results(world):
    leaver = world.enrolments[2]
    fill_term(world, 1, good)
    enrolment_leave(
        enrolment=leaver, status=Enrolment.Status.TRANSFERRED_OUT, left_on=date(2026, 10, 1), actor=None, note="Chuyển"
    )
    with pytest.raises(ValidationError, match="đã rời lớp ngày 01/10/2026"):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(leaver.pk, TERM1, "Tốt")]
        )
    conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[ConductEntry(e.pk, TERM1, "Tốt") for e in world.enrolments[:2]],
    )
    complete_months(world, until=date(2027, 1, 16))
    summary = results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1)
    assert summary.new == 2
    assert not StudentResult.objects.filter(enrolment=leaver).exists()


def test_readiness_names_the_subject_its_teacher_and_the_missing_conduct_and_months(world):
    fill_term(world, 1, good)
    spec_code = "toan"
    cs = world.class_subject(spec_code)
    term1 = world.year.terms.get(number=1)
    score_record_many(
        actor=world.teachers[spec_code],
        class_subject=cs,
        entries=[Entry(world.enrolments[1].pk, term1.pk, "final", "")],
        reason="test",
    )
    rate(world, TERM1, ["Tốt", "Tốt", ""])
    page = results_page(world.class_group, TERM1)
    messages = [b.message for b in page.blockers]
    teacher = world.teachers[spec_code].full_name
    assert f"Môn Toán ({teacher}), Học kì I: 1 học sinh còn thiếu 1 lần đánh giá." in messages
    assert "Học kì I: 1 học sinh chưa được đánh giá rèn luyện." in messages
    assert any(
        m.startswith("Giáo viên chủ nhiệm chưa xác nhận điểm danh các tháng: 09/2026, 10/2026") for m in messages
    )
    results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1)
    with pytest.raises(ValidationError, match="Môn Toán"):
        results_propose(actor=world.homeroom, class_group=world.class_group, period=TERM1)
    assert ResultBatch.objects.get().status == ResultBatch.Status.DRAFT


def test_the_year_waits_for_both_terms_to_be_approved(world):
    fill_term(world, 1, good)
    fill_term(world, 2, good)
    rate(world, TERM1, "Tốt")
    rate(world, TERM2, "Tốt")
    complete_months(world)
    from grades.class_inputs import class_inputs
    from grades.results_selectors import class_batches

    blockers = readiness(class_inputs(world.class_group), YEAR, class_batches(world.class_group))
    assert [b.kind for b in blockers] == ["approval", "approval"]


def test_stored_results_change_only_when_recomputed_and_only_the_rows_that_change(world):
    fill_term(world, 1, good)
    rate(world, TERM1, "Tốt")
    results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1, reason="Lần đầu")
    assert StudentResult.history.count() == 3
    first = StudentResult.objects.get(enrolment=world.enrolments[0])
    assert first.rule_set_code == "tt22_2021" and first.rule_set_version == "2026.1"
    assert first.subjects["toan"]["term1"] == "8.0" and first.learning == "Tốt"
    assert any("Điều 9 khoản 2" in reason for reason in first.reasons)
    results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1)
    assert StudentResult.history.count() == 3  # nothing changed, nothing rewritten
    # A score changes after the computation: the stored result does not move, the page says it differs.
    cs = world.class_subject("toan")
    term1 = world.year.terms.get(number=1)
    score_record_many(
        actor=world.teachers["toan"],
        class_subject=cs,
        entries=[Entry(world.enrolments[0].pk, term1.pk, "final", "2")],
        reason="t",
    )
    first.refresh_from_db()
    assert first.subjects["toan"]["term1"] == "8.0"
    page = results_page(world.class_group, TERM1)
    assert [row.student.enrolment.pk for row in page.stale] == [world.enrolments[0].pk]
    results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1, reason="Sửa điểm Toán")
    first.refresh_from_db()
    assert first.subjects["toan"]["term1"] == "6.0"  # (4 x 8 + 2 x 8 + 3 x 2) / 9
    latest = StudentResult.history.order_by("-history_id").first()
    assert latest.history_change_reason == "Sửa điểm Toán" and latest.history_user == world.homeroom
    assert StudentResult.history.count() == 4


def summer_ready(world):
    """Year approved with student 0 re-assessed in Toán (year 3,0) and student 1 in training."""
    values = lambda i, code: "Đ" if code == "gdtc" else (3 if (i, code) == (0, "toan") else 8)  # noqa: E731
    fill_term(world, 1, values)
    fill_term(world, 2, values)
    rate(world, TERM1, "Tốt")
    rate(world, TERM2, ["Tốt", "Chưa đạt", "Tốt"])
    complete_months(world)
    principal = world.users[Role.PRINCIPAL]
    for period in (TERM1, TERM2, YEAR):
        results_compute(actor=world.homeroom, class_group=world.class_group, period=period)
        results_propose(actor=world.homeroom, class_group=world.class_group, period=period)
        results_approve(actor=principal, class_group=world.class_group, period=period)


def test_summer_re_assessments_are_checked_and_due_by_the_deadline(world):
    summer_ready(world)
    toan, van = world.class_subject("toan"), world.class_subject("van")
    now = world.summer_moment()
    with pytest.raises(ValidationError, match="không kiểm tra, đánh giá lại môn này"):
        retest_record_many(
            actor=world.teachers["van"], class_subject=van, entries=[RetestEntry(world.enrolments[0].pk, "6")], now=now
        )
    with pytest.raises(ValidationError, match="Ý thầy/cô là 6,3"):
        retest_record_many(
            actor=world.teachers["toan"],
            class_subject=toan,
            entries=[RetestEntry(world.enrolments[0].pk, "6,25")],
            now=now,
        )
    late = summer_deadline(world.year) + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="Hạn nhập kết quả hè"):
        retest_record_many(
            actor=world.teachers["toan"],
            class_subject=toan,
            entries=[RetestEntry(world.enrolments[0].pk, "6")],
            now=late,
        )
    assert not RetestScore.objects.exists()
    retest_record_many(
        actor=world.teachers["toan"], class_subject=toan, entries=[RetestEntry(world.enrolments[0].pk, "6")], now=now
    )
    assert RetestScore.objects.get().value == 6 and RetestScore.history.get().history_user == world.teachers["toan"]


def test_the_principal_moves_the_summer_deadline(world):
    default = timezone.localtime(summer_deadline(world.year))
    assert (default.month, default.day, default.hour, default.minute) == (8, 30, 23, 59)  # R22-YE-7
    moment = timezone.make_aware(datetime.combine(date(2027, 8, 31), time(23, 59, 59)))
    with pytest.raises(PermissionDenied):
        summer_deadline_set(actor=world.homeroom, school_year=world.year, deadline=moment, reason="Theo quy chế")
    with pytest.raises(ValidationError, match="trước tháng 10"):
        summer_deadline_set(
            actor=world.users[Role.PRINCIPAL],
            school_year=world.year,
            deadline=timezone.make_aware(datetime(2027, 10, 5, 12)),
            reason="x",
        )
    summer_deadline_set(
        actor=world.users[Role.PRINCIPAL], school_year=world.year, deadline=moment, reason="Theo quy chế"
    )
    assert summer_deadline(world.year) == moment


def test_the_summer_results_are_frozen_by_their_approval(world):
    summer_ready(world)
    now = world.summer_moment()
    toan = world.class_subject("toan")
    retest_record_many(
        actor=world.teachers["toan"], class_subject=toan, entries=[RetestEntry(world.enrolments[0].pk, "6")], now=now
    )
    conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[ConductEntry(world.enrolments[1].pk, SUMMER, "Đạt", summer_completed=True)],
        now=now,
    )
    results_compute(actor=world.homeroom, class_group=world.class_group, period=SUMMER)
    results_propose(actor=world.homeroom, class_group=world.class_group, period=SUMMER)
    results_approve(actor=world.users[Role.PRINCIPAL], class_group=world.class_group, period=SUMMER)
    with pytest.raises(ValidationError):
        retest_record_many(
            actor=world.teachers["toan"],
            class_subject=toan,
            entries=[RetestEntry(world.enrolments[0].pk, "9")],
            now=now,
        )
    with pytest.raises(ValidationError):
        conduct_record_many(
            actor=world.homeroom,
            class_group=world.class_group,
            entries=[ConductEntry(world.enrolments[1].pk, SUMMER, "Tốt", summer_completed=True)],
            now=now,
        )
    outcomes = dict(StudentResult.objects.filter(period=SUMMER).values_list("enrolment_id", "outcome"))
    assert outcomes == {
        world.enrolments[0].pk: "PROMOTED_AFTER_SUMMER",
        world.enrolments[1].pk: "PROMOTED_AFTER_SUMMER",
    }
