"""A small school for the export tests: two classes of grade 6 with scores in both terms (the print
tests' world: a comment subject, a student who transferred out, an applied correction, "Nguyễn Thị
Ánh Tuyết" at 5,5 everywhere), plus students an export must survive: a name that looks like a
formula, an ethnicity with a control character pasted from Word, a known student with a personal
ID number and absences with and without leave."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.models import Role
from attendance.services import CellChange, attendance_month_complete, attendance_record_many
from grades import results_services
from grades.grid import grid_spec
from grades.models import TERM1
from grades.services import REASON_GRID, Entry, score_record_many
from schools import services as school_services
from schools.models import ClassGroup, ClassSubject, Enrolment, Student
from tests.printing.conftest import PrintWorld, make_print_world

FORMULA_NAME = '=HYPERLINK("http://x.example/";"Bấm")'
KNOWN_CODE = "HP31000777"
KNOWN_ID = "031209004567"
LATE_DAY = date(2027, 6, 30)  # after the year: every month is over


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def add_student(world: PrintWorld, class_group: ClassGroup, student: Student, value) -> Enrolment:
    """Create, enrol and score one student in every subject of both terms (through the services)."""
    [student] = school_services.students_create(school=world.school, students=[student], actor=None, reason="test")
    [enrolment] = school_services.enrolments_create(
        class_group=class_group, students=[student], enrolled_on=world.year.start_date, actor=None, reason="test"
    )
    for cs in ClassSubject.objects.filter(class_group=class_group).select_related(
        "subject", "class_group__school_year"
    ):
        spec = grid_spec(cs)
        entries = [
            Entry(enrolment.pk, term.pk, column.key, "Đ" if spec.is_comment else value)
            for term in world.terms
            for column in spec.columns
        ]
        score_record_many(actor=world.teachers[cs.pk], class_subject=cs, entries=entries, reason=REASON_GRID)
    world.enrolments[class_group.pk].append(enrolment)
    return enrolment


def make_export_world(*, classes: int = 2, students: int = 3) -> PrintWorld:
    world = make_print_world(classes=max(classes, 2), students=students)
    # 6A has term I of "Môn 0" locked (the print world's correction): the extra students go to 6B.
    class_group = world.classes[1]
    world.known = add_student(
        world,
        class_group,
        Student(
            student_code=KNOWN_CODE,
            national_id=KNOWN_ID,
            family_name="Trần Đức",
            given_name="Ưng",
            date_of_birth=date(2014, 12, 24),
            gender=Student.Gender.MALE,
            ethnicity="Tày",
            permanent_address="Hải Phòng",
            father_name="Trần Đức Bố",
            contact_phone="0912345670",
        ),
        "7,5",
    )
    world.formula = add_student(
        world,
        class_group,
        Student(
            student_code="HP31000888",
            family_name=FORMULA_NAME,
            given_name="An",
            date_of_birth=date(2014, 5, 1),
            gender=Student.Gender.FEMALE,
            ethnicity="Mường\x0b",
            permanent_address="Hải Phòng",
            mother_name="Mẹ",
            contact_phone="0912345671",
        ),
        "6",
    )
    # Two sessions absent with leave and one without, in term I (Monday 5, Tuesday 6 October 2026).
    attendance_record_many(
        class_group=class_group,
        changes=[
            CellChange(world.known.pk, date(2026, 10, 5), "all", "P", 0),
            CellChange(world.known.pk, date(2026, 10, 6), "all", "P", 0),
            CellChange(world.known.pk, date(2026, 10, 7), "all", "K", 0),
        ],
        actor=world.users["homeroom"],
        reason="test",
        today=LATE_DAY,
    )
    return world


def approve_term1(world: PrintWorld, class_group: ClassGroup) -> None:
    """The whole procedure of the results app for term I: conduct rated by the homeroom teacher,
    the term's attendance months confirmed, results computed, proposed and approved (BM Đ3.5)."""
    homeroom = class_group.homeroom_assignments.get().teacher
    for year, month in ((2026, 9), (2026, 10), (2026, 11), (2026, 12)):
        attendance_month_complete(class_group=class_group, year=year, month=month, actor=homeroom, today=LATE_DAY)
    active = [e for e in Enrolment.objects.filter(class_group=class_group) if not e.has_left]
    results_services.conduct_record_many(
        actor=homeroom,
        class_group=class_group,
        entries=[results_services.ConductEntry(e.pk, TERM1, "Tốt", version=0) for e in active],
        now=None,
    )
    results_services.results_compute(actor=homeroom, class_group=class_group, period=TERM1, reason="Tính kết quả")
    results_services.results_propose(actor=homeroom, class_group=class_group, period=TERM1)
    results_services.results_approve(actor=world.users[Role.PRINCIPAL], class_group=class_group, period=TERM1)


@pytest.fixture
def export_world(db):
    return make_export_world()
