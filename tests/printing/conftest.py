"""A small class with everything a printed book shows: scores in both terms, a comment subject, a
student who transferred out, an applied correction, and the fixture student "Nguyễn Thị Ánh Tuyết"
whose results are "Đạt" (TT22: six scored subjects at 5,5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import services as account_services
from accounts.models import Role, User
from corrections import services as correction_services
from grades.grid import grid_spec
from grades.services import REASON_GRID, Entry, score_record_many
from schools import services as school_services
from schools.models import BookLock, ClassGroup, ClassSubject, Enrolment, School, SchoolYear, Student, Term
from tests.factories import make_school, make_students, make_subject, make_user, make_year

TUYET = "Nguyễn Thị Ánh Tuyết"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class PrintWorld:
    school: School
    year: SchoolYear
    classes: list[ClassGroup]
    users: dict[str, User]
    terms: list[Term]
    enrolments: dict[int, list[Enrolment]] = field(default_factory=dict)
    teachers: dict[int, User] = field(default_factory=dict)  # class subject id → teacher
    leaver: Enrolment | None = None
    tuyet: Enrolment | None = None
    corrected: ClassSubject | None = None

    @property
    def class_group(self) -> ClassGroup:
        return self.classes[0]

    def term(self, number: int) -> Term:
        return self.terms[number - 1]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _fill(world: PrintWorld, class_group: ClassGroup, value_for) -> None:
    """Every cell of both terms, for every student still in the class."""
    for cs in ClassSubject.objects.filter(class_group=class_group).select_related(
        "subject", "class_group__school_year"
    ):
        spec = grid_spec(cs)
        entries = []
        for term in world.terms:
            for e in world.enrolments[class_group.pk]:
                for column in spec.columns:
                    entries.append(Entry(e.pk, term.pk, column.key, value_for(spec, e, column)))
        score_record_many(actor=world.teachers[cs.pk], class_subject=cs, entries=entries, reason=REASON_GRID)


def make_print_world(*, classes: int = 1, students: int = 3, scored: int = 6, extras: bool = True) -> PrintWorld:
    school = make_school()
    year = make_year(school)
    subjects = [make_subject(school, code=f"mon{i}", name=f"Môn {i}", kind="score", order=i) for i in range(scored)]
    subjects.append(make_subject(school, code="gdtc", name="Giáo dục thể chất", kind="comment", order=90))
    for subject in subjects:
        school_services.subject_offer(school_year=year, subject=subject, grade_levels=[6], periods_per_year=35)
    users = {
        role: make_user(school, role) for role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE)
    }
    world = PrintWorld(school=school, year=year, classes=[], users=users, terms=list(year.terms.order_by("number")))
    for c in range(classes):
        class_group = school_services.class_group_create(school_year=year, grade_level=6, name=f"6{chr(65 + c)}")
        people = make_students(school, students)
        if extras and c == 0:
            tuyet = Student(
                student_code=f"TUYET{school.pk}",
                family_name="Nguyễn Thị Ánh",
                given_name="Tuyết",
                date_of_birth=date(2014, 3, 8),
                gender=Student.Gender.FEMALE,
                permanent_address="Lê Chân, Hải Phòng",
                mother_name="Phạm Thị Ưng",
                contact_phone="0912345679",
                notes="Ưu tú",
            )
            people += school_services.students_create(school=school, students=[tuyet], actor=None, reason="test")
        enrolled = school_services.enrolments_create(
            class_group=class_group, students=people, enrolled_on=year.start_date, actor=None, reason="test"
        )
        world.enrolments[class_group.pk] = list(
            Enrolment.objects.filter(class_group=class_group).select_related("student")
        )
        homeroom = make_user(school, Role.TEACHER)
        account_services.homeroom_assign(
            teacher=homeroom, class_group=class_group, starts_on=year.start_date, actor=None
        )
        users.setdefault("homeroom", homeroom)
        for cs in ClassSubject.objects.filter(class_group=class_group).order_by("subject__order"):
            teacher = make_user(school, Role.TEACHER)
            account_services.teaching_assign(teacher=teacher, class_subject=cs, starts_on=year.start_date, actor=None)
            world.teachers[cs.pk] = teacher
            users.setdefault("teacher", teacher)
        world.classes.append(class_group)
        assert len(enrolled) == len(people)

        def value(spec, e, column):
            if spec.is_comment:
                return "Đ"
            if e.student.given_name == "Tuyết":
                return "5,5"
            return "8"

        _fill(world, class_group, value)
        if extras and c == 0:
            world.tuyet = next(e for e in world.enrolments[class_group.pk] if e.student.given_name == "Tuyết")
            leaver = world.enrolments[class_group.pk][0]
            world.leaver = school_services.enrolment_leave(
                enrolment=leaver,
                status=Enrolment.Status.TRANSFERRED_OUT,
                left_on=date(2026, 11, 16),
                actor=users[Role.OFFICE],
                note="Gia đình chuyển nhà",
                transfer_school="Trường THCS Ngô Quyền",
            )
            world.corrected = apply_correction(world, class_group)
    return world


def apply_correction(world: PrintWorld, class_group: ClassGroup) -> ClassSubject:
    """Lock term I of the first scored subject and correct one regular score 8,0 → 9,0 through
    approved minutes (P-COR-1..6)."""
    cs = ClassSubject.objects.filter(class_group=class_group, subject__code="mon0").get()
    teacher, principal, admin = world.teachers[cs.pk], world.users[Role.PRINCIPAL], world.users[Role.ADMIN_BOARD]
    term = world.term(1)
    rows = correction_services.lock_decide(
        actor=principal,
        school_year=world.year,
        action=BookLock.Action.LOCK,
        scope=BookLock.Scope.CLASS_SUBJECT,
        reason="Khóa sổ học kì I",
        term=term,
        class_subject=cs,
    )
    correction_services.lock_execute(actor=admin, lock=rows[0])
    student = next(e for e in world.enrolments[class_group.pk] if e.student.given_name != "Tuyết" and e != world.leaver)
    correction = correction_services.correction_create(
        actor=teacher, kind="score", term=term, class_subject=cs, place="Phòng họp"
    )
    correction_services.correction_line_add(
        actor=teacher,
        correction=correction,
        enrolment=student,
        column="regular_1",
        new_value="9",
        reason_code="entry_error",
        reason_text="Nhập nhầm so với sổ cá nhân",
    )
    upload = SimpleUploadedFile("so.pdf", PDF_BYTES, content_type="application/pdf")
    correction_services.evidence_add(actor=teacher, correction=correction, upload=upload, kind="both")
    correction = correction_services.correction_submit(actor=teacher, correction=correction)
    if correction.status == "submitted":
        correction = correction_services.correction_homeroom_review(
            actor=world.users["homeroom"], correction=correction, confirm=True
        )
    correction = correction_services.correction_decide(
        actor=principal, correction=correction, approve=True, comment="Đồng ý"
    )
    correction = correction_services.correction_confirm(actor=teacher, correction=correction)
    correction_services.correction_confirm(actor=admin, correction=correction)
    return cs


@pytest.fixture
def print_world(db):
    return make_print_world()


@pytest.fixture
def small_world(db):
    """One class, two students, one scored and one comment subject: the cheapest book to render."""
    return make_print_world(students=2, scored=1, extras=False)
