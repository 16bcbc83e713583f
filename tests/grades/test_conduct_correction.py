"""Conduct after a lock: a direct write is refused; minutes approved by the principal change the
rating (corrections' conduct target → grades.results_services.conduct_record_many), with the
minutes in the history, and the cell is locked again."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from corrections import services as corrections
from corrections.models import Correction
from corrections.targets import Cell, Change, target_for
from grades.models import TERM1, TERM2, YEAR, ConductRating
from grades.results_services import ConductEntry, conduct_record_many
from schools.locks import LockMap
from schools.models import BookLock
from tests.grades.results_world import make_results_world, rate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def locked():
    world = make_results_world("tt22_2021", students=2, grade=6)
    rate(world, TERM1, ["Khá", "Tốt"])
    world.term = world.year.terms.get(number=1)
    _lock_class(world, world.term, "conduct", "Khóa đánh giá rèn luyện học kì I")
    return world


def _lock_class(world, term, column, reason):
    """The principal decides and the admin board carries out a lock of the class's ``column``."""
    rows = corrections.lock_decide(
        actor=world.users[Role.PRINCIPAL],
        school_year=world.year,
        action=BookLock.Action.LOCK,
        scope=BookLock.Scope.CLASS,
        class_group=world.class_group,
        term=term,
        column=column,
        reason=reason,
    )
    corrections.lock_execute(actor=world.users[Role.ADMIN_BOARD], lock=rows[0])


def _carry_out(world, correction):
    """Evidence, submission (straight to the principal: the homeroom teacher asked), approval, and the
    teacher's and the admin's confirmations; returns the applied minutes."""
    corrections.evidence_add(
        actor=world.homeroom,
        correction=correction,
        upload=SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf"),
        kind="other",
    )
    correction = corrections.correction_submit(actor=world.homeroom, correction=correction)
    assert correction.status == Correction.Status.PENDING
    correction = corrections.correction_decide(
        actor=world.users[Role.PRINCIPAL], correction=correction, approve=True, comment="Đồng ý"
    )
    corrections.correction_confirm(actor=world.homeroom, correction=correction)
    correction = corrections.correction_confirm(actor=world.users[Role.ADMIN_BOARD], correction=correction)
    assert correction.status == Correction.Status.APPLIED
    return correction


def test_a_direct_write_to_a_locked_rating_is_refused(locked):
    student = locked.enrolments[0]
    with pytest.raises(ValidationError, match="Khóa đánh giá rèn luyện học kì I"):
        conduct_record_many(
            actor=locked.homeroom,
            class_group=locked.class_group,
            entries=[ConductEntry(student.pk, TERM1, "Tốt", version=1)],
        )
    assert ConductRating.objects.get(enrolment=student, period=TERM1).level == "Khá"


def test_an_approved_correction_changes_a_locked_rating(locked):
    world, student = locked, locked.enrolments[0]
    target = target_for("conduct")
    assert target.is_wired()
    correction = corrections.correction_create(
        actor=world.homeroom, kind="conduct", term=world.term, class_group=world.class_group
    )
    assert target.columns(correction) == [("conduct", "Kết quả rèn luyện")]
    with pytest.raises(ValidationError, match="Tốt, Khá, Đạt, Chưa đạt"):
        corrections.correction_line_add(
            actor=world.homeroom,
            correction=correction,
            enrolment=student,
            column="conduct",
            new_value="Giỏi",
            reason_code="entry_error",
        )
    line = corrections.correction_line_add(
        actor=world.homeroom,
        correction=correction,
        enrolment=student,
        column="conduct",
        new_value="tốt",
        reason_code="entry_error",
        reason_text="Nhập nhầm mức của học sinh khác",
    )
    assert (line.old_value, line.new_value) == ("Khá", "Tốt")
    correction = _carry_out(world, correction)
    rating = ConductRating.objects.get(enrolment=student, period=TERM1)
    assert rating.level == "Tốt" and rating.version == 2
    last = rating.history.first()
    assert last.history_user == world.users[Role.ADMIN_BOARD]
    assert last.history_change_reason.startswith(f"Sửa chữa theo biên bản số {correction.reference}")
    # Still locked: nobody changes it directly afterwards.
    assert LockMap(world.class_group, world.term).state(column="conduct").locked
    with pytest.raises(ValidationError):
        conduct_record_many(
            actor=world.homeroom, class_group=world.class_group, entries=[ConductEntry(student.pk, TERM1, "Khá")]
        )


def test_a_correction_whose_rating_moved_meanwhile_is_refused(locked):
    world, student = locked, locked.enrolments[1]
    correction = corrections.correction_create(
        actor=world.homeroom, kind="conduct", term=world.term, class_group=world.class_group
    )
    corrections.correction_line_add(
        actor=world.homeroom,
        correction=correction,
        enrolment=student,
        column="conduct",
        new_value="Khá",
        reason_code="other",
        reason_text="Vi phạm nội quy",
    )
    # Someone changes the rating through another approved route before this one is applied.
    conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[ConductEntry(student.pk, TERM1, "Đạt", expected_level="Tốt")],
        correction="99/BB-SĐ",
    )
    with pytest.raises(ValidationError):
        target_for("conduct").apply(
            correction=correction,
            changes=[Change(Cell(student.pk, "conduct"), "Tốt", "Khá", "")],
            actor=world.users[Role.ADMIN_BOARD],
        )
    assert ConductRating.objects.get(enrolment=student, period=TERM1).level == "Đạt"


@pytest.fixture
def tt58_year_locked():
    world = make_results_world("tt58_2011", students=2, grade=8)
    rate(world, TERM1, "Tốt")
    rate(world, TERM2, "Khá")
    rate(world, YEAR, ["Khá", "Tốt"])
    _lock_class(world, None, "results", "Khóa kết quả cả năm")
    world.term = world.year.terms.get(number=2)
    return world


def test_tt58_minutes_of_the_second_term_offer_the_year_conduct(tt58_year_locked):
    world = tt58_year_locked
    second = corrections.correction_create(
        actor=world.homeroom, kind="conduct", term=world.term, class_group=world.class_group
    )
    first = corrections.correction_create(
        actor=world.homeroom, kind="conduct", term=world.year.terms.get(number=1), class_group=world.class_group
    )
    target = target_for("conduct")
    assert target.columns(second) == [("conduct", "Hạnh kiểm"), ("conduct_year", "Hạnh kiểm cả năm")]
    assert target.columns(first) == [("conduct", "Hạnh kiểm")]
    with pytest.raises(ValidationError):
        corrections.correction_line_add(
            actor=world.homeroom,
            correction=first,
            enrolment=world.enrolments[0],
            column="conduct_year",
            new_value="Tốt",
            reason_code="entry_error",
        )


def test_a_tt58_year_conduct_is_corrected_by_approved_minutes(tt58_year_locked):
    world, student = tt58_year_locked, tt58_year_locked.enrolments[0]
    with pytest.raises(ValidationError, match="Khóa kết quả cả năm"):
        conduct_record_many(
            actor=world.homeroom,
            class_group=world.class_group,
            entries=[ConductEntry(student.pk, YEAR, "Tốt", version=1)],
        )
    correction = corrections.correction_create(
        actor=world.homeroom, kind="conduct", term=world.term, class_group=world.class_group
    )
    line = corrections.correction_line_add(
        actor=world.homeroom,
        correction=correction,
        enrolment=student,
        column="conduct_year",
        new_value="tốt",
        reason_code="entry_error",
        reason_text="Biên bản họp xét hạnh kiểm ghi mức Tốt",
    )
    assert (line.old_value, line.new_value) == ("Khá", "Tốt")
    correction = _carry_out(world, correction)
    assert ConductRating.objects.get(enrolment=student, period=YEAR).level == "Tốt"
    assert ConductRating.objects.get(enrolment=student, period=TERM2).level == "Khá"  # the term is untouched
    assert LockMap(world.class_group, None).state(column="results").locked
