"""The minutes through their life: draft → submitted → approved/rejected → carried out → signed → archived."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Role
from corrections import services
from corrections.models import Correction, CorrectionLine, CorrectionPolicy, Evidence
from corrections.targets import StaleCells
from grades.models import ScoreCell
from schools.locks import LockMap
from schools.models import BookLock
from tests.corrections.conftest import PDF_BYTES, PNG_BYTES, approved, draft, enter_scores, pdf_upload
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def cell(book, index, column="regular_1"):
    return ScoreCell.objects.filter(enrolment=book.enrolments[index], term=book.term, column=column).first()


def carry_out(book, correction):
    correction = services.correction_confirm(actor=book.teacher, correction=correction)
    return services.correction_confirm(actor=book.admin, correction=correction)


# --- drafting ----------------------------------------------------------------------------------


def test_the_system_fills_in_the_current_value(book):
    correction = draft(book, [(0, "regular_1", "9"), (2, "regular_1", "5,5"), (0, "midterm", "V")])
    lines = list(correction.lines.order_by("pk"))
    assert [(li.old_value, li.new_value) for li in lines] == [("7,0", "9,0"), ("", "5,5"), ("6,0", "V")]
    assert correction.status == Correction.Status.DRAFT and correction.number is None
    assert lines[0].history.get().history_user == book.teacher


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8,55", "Ý thầy/cô là 8,6?"),
        ("11", "không được lớn hơn 10"),
        ("-1", "không được âm"),
        ("tám", "Điểm không hợp lệ"),
        ("7", "trùng với giá trị hiện tại"),
    ],
)
def test_a_bad_new_value_is_refused_never_rounded(book, value, message):
    correction = draft(book, [], evidence=False)
    with pytest.raises(ValidationError, match=message):
        services.correction_line_add(
            actor=book.teacher,
            correction=correction,
            enrolment=book.enrolments[0],
            column="regular_1",
            new_value=value,
            reason_code="entry_error",
        )
    assert not CorrectionLine.objects.exists()


def test_only_locked_cells_need_minutes(book):
    correction = draft(book, [], evidence=False)
    other_cs = book.cs.class_group.class_subjects.exclude(pk=book.cs.pk).first()
    assert not LockMap(book.cs.class_group, book.term).state(class_subject_id=other_cs.pk, column="midterm").locked
    BookLock.objects.all().delete()
    with pytest.raises(ValidationError, match="chưa khóa"):
        services.correction_line_add(
            actor=book.teacher,
            correction=correction,
            enrolment=book.enrolments[0],
            column="regular_1",
            new_value="9",
            reason_code="entry_error",
        )


def test_lines_are_checked(book):
    correction = draft(book, [(0, "regular_1", "9")], evidence=False)
    other = make_user(book.world.school, Role.TEACHER)

    def add(**kw):
        args = {
            "actor": book.teacher,
            "correction": correction,
            "enrolment": book.enrolments[1],
            "column": "regular_1",
            "new_value": "9",
            "reason_code": "entry_error",
        }
        args.update(kw)
        return services.correction_line_add(**args)

    with pytest.raises(ValidationError, match="đã có trong biên bản"):
        add(enrolment=book.enrolments[0])
    with pytest.raises(ValidationError, match="Chọn một cột"):
        add(column="regular_9")
    with pytest.raises(ValidationError, match="ghi rõ lí do"):
        add(reason_code="other", reason_text=" ")
    with pytest.raises(PermissionDenied):
        add(actor=other)
    from schools.models import Enrolment

    stranger = Enrolment.objects.exclude(class_group=book.cs.class_group).first()
    if stranger is not None:
        with pytest.raises(ValidationError, match="không thuộc lớp"):
            add(enrolment=stranger)
    assert correction.lines.count() == 1


def test_only_the_assigned_teacher_drafts_minutes_for_scores(book):
    for who in (book.homeroom, book.principal, make_user(book.world.school, Role.TEACHER)):
        with pytest.raises(PermissionDenied):
            services.correction_create(actor=who, kind="score", term=book.term, class_subject=book.cs)
    assert not Correction.objects.exists()


def test_only_the_homeroom_teacher_drafts_attendance_minutes(book):
    class_group = book.cs.class_group
    for who in (book.teacher, book.principal):
        with pytest.raises(PermissionDenied):
            services.correction_create(actor=who, kind="attendance", term=book.term, class_group=class_group)
    with pytest.raises(ValidationError, match="Chọn nội dung cần sửa"):
        services.correction_create(actor=book.homeroom, kind="results", term=book.term, class_group=class_group)
    assert not Correction.objects.exists()
    correction = services.correction_create(
        actor=book.homeroom, kind="attendance", term=book.term, class_group=class_group
    )
    assert correction.requested_by == book.homeroom and correction.class_subject is None


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_is_checked_by_content_and_size_and_stored_under_a_random_name(book):
    correction = draft(book, evidence=False)
    with pytest.raises(ValidationError, match="PDF, JPEG hoặc PNG"):
        services.evidence_add(
            actor=book.teacher,
            correction=correction,
            upload=pdf_upload("bai-kiem-tra.pdf", b"<html><script>alert(1)</script>"),
            kind="student_work",
        )
    with pytest.raises(ValidationError, match="quá lớn"):
        services.evidence_add(
            actor=book.teacher,
            correction=correction,
            upload=pdf_upload("to.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024)),
            kind="student_work",
        )
    assert not Evidence.objects.exists()
    png = services.evidence_add(
        actor=book.teacher,
        correction=correction,
        upload=pdf_upload("../../ảnh bài.pdf", PNG_BYTES),
        kind="student_work",
    )
    assert png.content_type == "image/png"
    assert png.original_name == "ảnh bài.pdf"
    assert png.file.name.startswith("corrections/evidence/") and png.file.name.endswith(".png")
    assert "ảnh" not in png.file.name and default_storage.exists(png.file.name)
    assert len(png.sha256) == 64


def test_evidence_is_removed_only_from_a_draft(book, django_capture_on_commit_callbacks):
    correction = draft(book)
    evidence = correction.evidence.get()
    name = evidence.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(actor=book.teacher, evidence=evidence)
    assert not Evidence.objects.exists() and not default_storage.exists(name)
    services.evidence_add(actor=book.teacher, correction=correction, upload=pdf_upload(), kind="both")
    services.correction_submit(actor=book.teacher, correction=correction)
    with pytest.raises(ValidationError, match="không thể thực hiện bước này"):
        services.evidence_remove(actor=book.teacher, evidence=correction.evidence.get())
    assert Evidence.objects.count() == 1


# --- submitting --------------------------------------------------------------------------------


def test_submitting_needs_lines_and_evidence(book):
    empty = draft(book, [], evidence=False)
    with pytest.raises(ValidationError, match="ít nhất một ô"):
        services.correction_submit(actor=book.teacher, correction=empty)
    no_evidence = draft(book, evidence=False)
    with pytest.raises(ValidationError, match="minh chứng"):
        services.correction_submit(actor=book.teacher, correction=no_evidence)
    assert Correction.objects.filter(status="draft").count() == 2


def test_score_minutes_need_the_teachers_book_and_the_students_paper(book):
    correction = draft(book, evidence=False)
    services.evidence_add(actor=book.teacher, correction=correction, upload=pdf_upload(), kind="teacher_book")
    with pytest.raises(ValidationError, match="còn thiếu: Bài kiểm tra hoặc sản phẩm học tập của học sinh"):
        services.correction_submit(actor=book.teacher, correction=correction)
    correction.refresh_from_db()
    assert correction.status == Correction.Status.DRAFT and correction.number is None
    services.evidence_add(
        actor=book.teacher, correction=correction, upload=pdf_upload("bai.png", PNG_BYTES), kind="student_work"
    )
    assert services.correction_submit(actor=book.teacher, correction=correction).status == Correction.Status.SUBMITTED


def test_submitting_numbers_the_minutes_and_goes_to_the_homeroom_teacher_by_default(book):
    first = services.correction_submit(actor=book.teacher, correction=draft(book))
    second = services.correction_submit(actor=book.teacher, correction=draft(book, [(1, "regular_1", "9")]))
    assert (first.number, second.number) == (1, 2)
    assert first.reference == "01/BB-SĐ 2026-2027"
    assert first.status == Correction.Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.correction_homeroom_review(actor=book.teacher, correction=first, confirm=True)
    with pytest.raises(ValidationError, match="lí do trả lại"):
        services.correction_homeroom_review(actor=book.homeroom, correction=first, confirm=False)
    back = services.correction_homeroom_review(
        actor=book.homeroom, correction=first, confirm=False, comment="Thiếu ảnh"
    )
    assert back.status == Correction.Status.DRAFT and back.number == 1
    again = services.correction_submit(actor=book.teacher, correction=back)
    assert again.number == 1
    confirmed = services.correction_homeroom_review(actor=book.homeroom, correction=again, confirm=True)
    assert confirmed.status == Correction.Status.PENDING and confirmed.homeroom_by == book.homeroom


def test_without_the_homeroom_step_minutes_go_straight_to_the_principal(book):
    CorrectionPolicy.objects.create(school=book.world.school, homeroom_confirms=False)
    submitted = services.correction_submit(actor=book.teacher, correction=draft(book))
    assert submitted.status == Correction.Status.PENDING


def test_a_cell_changed_before_submission_is_caught(book):
    correction = draft(book)
    BookLock.objects.all().delete()
    enter_scores(book, {(0, "regular_1"): "7,5"})
    with pytest.raises(ValidationError, match="hiện là “7,5”"):
        services.correction_submit(actor=book.teacher, correction=correction)
    assert Correction.objects.get().status == "draft"


def _set_final_test(book, days_from_today):
    term = book.term
    term.final_test_date = timezone.localdate() + timedelta(days=days_from_today)
    term.save()


def test_minutes_are_refused_after_the_deadline_unless_the_principal_allows_it(book):
    _set_final_test(book, 3)  # the deadline was 4 days ago
    correction = draft(book)
    with pytest.raises(ValidationError, match="Hạn sửa điểm của học kì này đã kết thúc ngày"):
        services.correction_submit(actor=book.teacher, correction=correction)
    with pytest.raises(PermissionDenied):
        services.late_permit_grant(
            actor=book.teacher,
            term=book.term,
            class_group=book.cs.class_group,
            class_subject=book.cs,
            valid_until=timezone.localdate(),
            reason="x",
        )
    with pytest.raises(ValidationError, match="lí do"):
        services.late_permit_grant(
            actor=book.principal,
            term=book.term,
            class_group=book.cs.class_group,
            class_subject=book.cs,
            valid_until=timezone.localdate(),
            reason="",
        )
    permit = services.late_permit_grant(
        actor=book.principal,
        term=book.term,
        class_group=book.cs.class_group,
        class_subject=book.cs,
        valid_until=timezone.localdate() + timedelta(days=2),
        reason="Phúc khảo bài kiểm tra giữa kì",
    )
    submitted = services.correction_submit(actor=book.teacher, correction=correction)
    assert submitted.late_permit == permit


def test_the_deadline_is_one_week_before_the_test_and_a_school_setting(book):
    _set_final_test(book, 7)
    assert services.correction_submit(actor=book.teacher, correction=draft(book)).status == "submitted"
    services.policy_update(
        actor=book.principal,
        school=book.world.school,
        window_days_before_final=10,
        homeroom_confirms=True,
        many_changes_threshold=5,
        reason="Quy chế mới",
    )
    with pytest.raises(ValidationError, match="đã kết thúc"):
        services.correction_submit(actor=book.teacher, correction=draft(book, [(1, "regular_1", "9")]))


def test_corrections_of_the_final_column_are_not_bound_by_the_window(book):
    enter_scores_final = {(0, "final"): "5"}
    BookLock.objects.all().delete()
    enter_scores(book, enter_scores_final)
    from tests.corrections.conftest import lock

    lock(book)
    _set_final_test(book, 1)
    submitted = services.correction_submit(actor=book.teacher, correction=draft(book, [(0, "final", "6")]))
    assert submitted.status == "submitted" and submitted.late_permit is None


# --- deciding, carrying out, signing ------------------------------------------------------------


def test_only_the_principal_decides_and_a_rejection_says_why(book):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    correction = services.correction_homeroom_review(actor=book.homeroom, correction=correction, confirm=True)
    for who in (book.admin, book.world.users[Role.VICE_PRINCIPAL], book.teacher):
        with pytest.raises(PermissionDenied):
            services.correction_decide(actor=who, correction=correction, approve=True)
    with pytest.raises(ValidationError, match="lí do không duyệt"):
        services.correction_decide(actor=book.principal, correction=correction, approve=False)
    rejected = services.correction_decide(
        actor=book.principal, correction=correction, approve=False, comment="Minh chứng không khớp"
    )
    assert rejected.status == Correction.Status.REJECTED and rejected.decision_comment == "Minh chứng không khớp"
    with pytest.raises(ValidationError, match="Không được duyệt"):
        services.correction_confirm(actor=book.teacher, correction=rejected)
    assert cell(book, 0).display == "7,0"


def test_carrying_out_needs_both_the_teacher_and_the_administrator(book):
    correction = approved(book, [(0, "regular_1", "9"), (1, "regular_1", "8"), (2, "regular_1", "6,5")])
    with pytest.raises(PermissionDenied):
        services.correction_confirm(actor=book.principal, correction=correction)
    half = services.correction_confirm(actor=book.admin, correction=correction)
    assert half.status == Correction.Status.APPROVED and cell(book, 0).display == "7,0"
    with pytest.raises(ValidationError, match="đã xác nhận"):
        services.correction_confirm(actor=book.admin, correction=half)
    done = services.correction_confirm(actor=book.teacher, correction=half)
    assert done.status == Correction.Status.APPLIED and done.applied_at is not None
    assert [cell(book, i).display for i in range(3)] == ["9,0", "8,0", "6,5"]
    history = cell(book, 0).history.order_by("-history_id").first()
    assert history.history_user == book.admin
    assert history.history_change_reason.startswith("Sửa chữa theo biên bản số 01/BB-SĐ 2026-2027")
    # The lock stays in force for everything else.
    with pytest.raises(Exception, match="Khóa"):
        enter_scores(book, {(1, "midterm"): "9"})


def test_a_cell_changed_after_approval_refuses_the_whole_correction(book):
    correction = approved(book, [(0, "regular_1", "9"), (1, "regular_1", "9")])
    # An unlock window lets the teacher change one of the cells on the grid meanwhile.
    rows = services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action="unlock",
        scope=BookLock.Scope.CLASS_SUBJECT,
        class_subject=book.cs,
        term=book.term,
        ends_at=timezone.now() + timedelta(hours=1),
        reason="Mở để nhập bù",
    )
    services.lock_execute(actor=book.admin, lock=rows[0])
    enter_scores(book, {(1, "regular_1"): "10"})
    half = services.correction_confirm(actor=book.teacher, correction=correction)
    with pytest.raises(StaleCells, match="Không ô nào được sửa") as exc:
        services.correction_confirm(actor=book.admin, correction=half)
    assert "hiện là “10,0”" in str(exc.value)
    assert [cell(book, 0).display, cell(book, 1).display] == ["7,0", "10,0"]
    fresh = Correction.objects.get(pk=correction.pk)
    assert fresh.status == Correction.Status.APPROVED and fresh.admin_applied_at is None
    withdrawn = services.correction_withdraw(actor=book.teacher, correction=fresh, reason="Ô đã thay đổi")
    assert withdrawn.status == Correction.Status.WITHDRAWN


def test_a_cell_left_open_by_an_unlock_window_is_locked_again_at_once(book):
    correction = approved(book)
    rows = services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action="unlock",
        scope=BookLock.Scope.CLASS_SUBJECT,
        class_subject=book.cs,
        term=book.term,
        ends_at=timezone.now() + timedelta(days=1),
        reason="Mở để nhập bù",
    )
    services.lock_execute(actor=book.admin, lock=rows[0])
    locks = LockMap(book.cs.class_group, book.term)
    assert not locks.state(class_subject_id=book.cs.pk, column="regular_1").locked
    carry_out(book, correction)
    relock = BookLock.objects.get(scope=BookLock.Scope.COLUMN)
    assert relock.column == "regular_1" and relock.executed_by == book.admin
    assert relock.decided_by == book.principal and relock.decision_reference == "01/BB-SĐ 2026-2027"
    locks = LockMap(book.cs.class_group, book.term)
    assert locks.state(class_subject_id=book.cs.pk, column="regular_1").locked
    assert not locks.state(class_subject_id=book.cs.pk, column="midterm").locked


def test_three_people_sign_each_with_their_own_account(book):
    correction = carry_out(book, approved(book))
    with pytest.raises(PermissionDenied):
        services.correction_sign(actor=book.teacher, correction=correction, sign_as="admin")
    other_admin = make_user(book.world.school, Role.ADMIN_BOARD)
    with pytest.raises(PermissionDenied):
        services.correction_sign(actor=other_admin, correction=correction, sign_as="admin")
    with pytest.raises(PermissionDenied):
        services.correction_sign(actor=book.admin, correction=correction, sign_as="principal")
    correction = services.correction_sign(actor=book.teacher, correction=correction, sign_as="teacher")
    with pytest.raises(ValidationError, match="Giáo viên đã kí"):
        services.correction_sign(actor=book.teacher, correction=correction, sign_as="teacher")
    correction = services.correction_sign(actor=book.admin, correction=correction, sign_as="admin")
    assert correction.status == Correction.Status.APPLIED
    correction = services.correction_sign(actor=book.principal, correction=correction, sign_as="principal")
    assert correction.status == Correction.Status.SIGNED
    assert correction.principal_signed_by == book.principal
    assert all((correction.teacher_signed_at, correction.admin_signed_at, correction.principal_signed_at))
    with pytest.raises(PermissionDenied):
        services.correction_archive(actor=book.teacher, correction=correction)
    archived = services.correction_archive(actor=book.admin, correction=correction)
    assert archived.status == Correction.Status.ARCHIVED and archived.archived_by == book.admin
    users = [h.history_user for h in Correction.history.filter(id=correction.pk).order_by("history_id")]
    assert book.teacher in users and book.admin in users and book.principal in users and book.homeroom in users


def test_one_person_cannot_sign_twice_in_two_roles(book):
    from accounts import services as account_services
    from accounts.models import User

    account_services.role_grant(user=book.admin, role=Role.PRINCIPAL, school=book.world.school)
    correction = carry_out(book, approved(book))
    admin_and_principal = User.objects.get(pk=book.admin.pk)  # roles are read once per request
    with pytest.raises(ValidationError, match="ba người khác nhau"):
        services.correction_sign(actor=admin_and_principal, correction=correction, sign_as="principal")
    assert Correction.objects.get(pk=correction.pk).principal_signed_at is None


def test_two_simultaneous_steps_cannot_both_pass(book):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    stale_copy = Correction.objects.get(pk=correction.pk)
    services.correction_withdraw(actor=book.teacher, correction=correction, reason="Nhầm")
    with pytest.raises(ValidationError, match="Đã rút"):
        services.correction_homeroom_review(actor=book.homeroom, correction=stale_copy, confirm=True)


def test_carrying_out_costs_the_same_whatever_the_number_of_cells(db, settings, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.corrections.conftest import lock, make_book

    settings.MEDIA_ROOT = tmp_path
    counts = []
    for students in (2, 12):
        book = make_book(students=students)
        enter_scores(book, {(i, "regular_1"): "7" for i in range(students)})
        lock(book)
        correction = approved(book, [(i, "regular_1", "8") for i in range(students)])
        correction = services.correction_confirm(actor=book.teacher, correction=correction)
        with CaptureQueriesContext(connection) as ctx:
            done = services.correction_confirm(actor=book.admin, correction=correction)
        assert done.status == Correction.Status.APPLIED
        assert ScoreCell.objects.filter(class_subject=book.cs, version=2).count() == students
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
