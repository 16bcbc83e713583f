"""A school for the portal tests: two classes of grade 6, a child in 6A with a parent and a student
account, scores entered through the grid's service, and the results procedure of term I."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from accounts.models import Role, User
from attendance.services import attendance_month_complete
from grades import results_services
from grades.grid import grid_spec
from grades.models import COMMENT_COLUMN, TERM1
from grades.services import REASON_GRID, Entry, score_record_many
from schools.models import ClassGroup, ClassSubject, Enrolment
from tests.factories import SchoolWorld, make_user, make_world

LATE_DAY = date(2027, 6, 30)  # after the year: every month is over


@dataclass
class FamilyWorld:
    world: SchoolWorld
    child: Enrolment  # in 6A
    classmate: Enrolment  # in 6A too
    other: Enrolment  # in 6B
    parent: User
    pupil: User
    classmate_parent: User

    @property
    def class_a(self) -> ClassGroup:
        return self.world.classes[0]

    @property
    def homeroom(self) -> User:
        return self.class_a.homeroom_assignments.get().teacher


def score_class(class_group: ClassGroup, term_number: int, value: str = "7,5", comment: str = "") -> None:
    """Every column of every subject of the term, for every student, through the grid's service."""
    enrolments = list(Enrolment.objects.filter(class_group=class_group).order_by("pk"))
    for cs in ClassSubject.objects.filter(class_group=class_group).select_related(
        "subject", "class_group__school_year"
    ):
        spec = grid_spec(cs)
        term = spec.term_by_number(term_number)
        entries = [Entry(e.pk, term.pk, column.key, value) for e in enrolments for column in spec.columns]
        if comment:
            entries += [Entry(e.pk, term.pk, COMMENT_COLUMN, comment) for e in enrolments]
        teacher = cs.assignments.get(ends_on__isnull=True).teacher
        score_record_many(actor=teacher, class_subject=cs, entries=entries, reason=REASON_GRID, today=LATE_DAY)


def approve_term1(world: SchoolWorld, class_group: ClassGroup) -> None:
    """The results procedure of term I: months confirmed, conduct rated, results computed,
    proposed by the homeroom teacher and approved by the principal (BM Đ3.5)."""
    homeroom = class_group.homeroom_assignments.get().teacher
    for year, month in ((2026, 9), (2026, 10), (2026, 11), (2026, 12), (2027, 1)):
        attendance_month_complete(class_group=class_group, year=year, month=month, actor=homeroom, today=LATE_DAY)
    active = list(Enrolment.objects.filter(class_group=class_group))
    results_services.conduct_record_many(
        actor=homeroom,
        class_group=class_group,
        entries=[results_services.ConductEntry(e.pk, TERM1, "Tốt", version=0) for e in active],
        now=None,
    )
    results_services.results_compute(actor=homeroom, class_group=class_group, period=TERM1, reason="Tính kết quả")
    results_services.results_propose(actor=homeroom, class_group=class_group, period=TERM1)
    results_services.results_approve(actor=world.users[Role.PRINCIPAL], class_group=class_group, period=TERM1)


def make_family_world(*, subjects: int = 2, students: int = 3) -> FamilyWorld:
    world = make_world(classes=2, students_per_class=students, subjects=subjects)
    class_a, class_b = world.classes
    child, classmate = Enrolment.objects.filter(class_group=class_a).select_related("student").order_by("pk")[:2]
    other = Enrolment.objects.filter(class_group=class_b).select_related("student").order_by("pk").first()
    return FamilyWorld(
        world=world,
        child=child,
        classmate=classmate,
        other=other,
        parent=make_user(world.school, Role.PARENT, student=child.student),
        pupil=make_user(world.school, Role.STUDENT, student=child.student),
        classmate_parent=make_user(world.school, Role.PARENT, student=classmate.student),
    )


@pytest.fixture
def family(db) -> FamilyWorld:
    return make_family_world()
