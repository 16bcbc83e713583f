"""A small school with scores entered and the book locked, and helpers for the correction flow."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from corrections import services
from schools.models import BookLock, ClassSubject, Enrolment, Term
from tests.factories import SchoolWorld, make_world

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf_upload(name: str = "so-ca-nhan.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class Book:
    world: SchoolWorld
    term: Term
    cs: ClassSubject
    enrolments: list[Enrolment]

    @property
    def teacher(self):
        return self.world.users["teacher"]

    @property
    def principal(self):
        return self.world.users[Role.PRINCIPAL]

    @property
    def admin(self):
        return self.world.users[Role.ADMIN_BOARD]

    @property
    def homeroom(self):
        return self.world.users["homeroom"]


def enter_scores(book: Book, values: dict[tuple[int, str], str], actor=None) -> None:
    from grades.services import REASON_GRID, Entry, score_record_many

    entries = [
        Entry(enrolment_id=book.enrolments[i].pk, term_id=book.term.pk, column=column, text=text, version=None)
        for (i, column), text in values.items()
    ]
    score_record_many(actor=actor or book.teacher, class_subject=book.cs, entries=entries, reason=REASON_GRID)


def lock(book: Book, *, scope=BookLock.Scope.CLASS_SUBJECT, column: str = "", **where) -> list[BookLock]:
    if scope in (BookLock.Scope.CLASS_SUBJECT, BookLock.Scope.COLUMN):
        where.setdefault("class_subject", book.cs)
    rows = services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action=BookLock.Action.LOCK,
        scope=scope,
        reason="Khóa sổ sau hạn nhập điểm",
        term=where.pop("term", book.term),
        column=column,
        **where,
    )
    return services.lock_execute(actor=book.admin, lock=rows[0])


def make_book(*, classes: int = 1, students: int = 3) -> Book:
    world = make_world(classes=classes, students_per_class=students, subjects=2)
    term = world.year.terms.get(number=1)
    cs = ClassSubject.objects.filter(class_group=world.classes[0], assignments__teacher=world.users["teacher"]).first()
    enrolments = list(Enrolment.objects.filter(class_group=world.classes[0]).select_related("student").order_by("pk"))
    return Book(world=world, term=term, cs=cs, enrolments=enrolments)


@pytest.fixture
def book(db):
    book = make_book()
    enter_scores(book, {(0, "regular_1"): "7", (1, "regular_1"): "8,5", (0, "midterm"): "6"})
    lock(book)
    return book


def draft(book: Book, lines=((0, "regular_1", "9"),), *, evidence: bool = True):
    """Minutes of the book's subject with the given (student index, column, new value) lines."""
    correction = services.correction_create(
        actor=book.teacher, kind="score", term=book.term, class_subject=book.cs, place="Phòng họp"
    )
    for index, column, value in lines:
        services.correction_line_add(
            actor=book.teacher,
            correction=correction,
            enrolment=book.enrolments[index],
            column=column,
            new_value=value,
            reason_code="entry_error",
            reason_text="Nhập nhầm so với sổ cá nhân",
        )
    if evidence:
        services.evidence_add(actor=book.teacher, correction=correction, upload=pdf_upload(), kind="both")
    return correction


def approved(book: Book, lines=((0, "regular_1", "9"),)):
    correction = draft(book, lines)
    correction = services.correction_submit(actor=book.teacher, correction=correction)
    if correction.status == "submitted":
        correction = services.correction_homeroom_review(actor=book.homeroom, correction=correction, confirm=True)
    return services.correction_decide(actor=book.principal, correction=correction, approve=True, comment="Đồng ý")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
