"""A small school with one grid for the grade-entry tests: class 6A, subject "mon0" (70 periods a
year: three regular columns, mid-term, end-of-term), five students, its teacher."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import User
from grades.grid import GridSpec, grid_spec
from grades.selectors import sorted_enrolments
from schools.models import ClassSubject, Enrolment, Term
from tests.factories import SchoolWorld, make_world


@dataclass
class Grid:
    world: SchoolWorld
    class_subject: ClassSubject
    teacher: User
    spec: GridSpec
    term1: Term
    term2: Term
    enrolments: list[Enrolment]

    def refresh(self) -> None:
        self.spec = grid_spec(self.class_subject)


def build_grid(world: SchoolWorld) -> Grid:
    teacher = world.users["teacher"]
    class_subject = ClassSubject.objects.select_related("class_group__school_year", "subject").get(
        assignments__teacher=teacher
    )
    spec = grid_spec(class_subject)
    return Grid(
        world=world,
        class_subject=class_subject,
        teacher=teacher,
        spec=spec,
        term1=spec.term_by_number(1),
        term2=spec.term_by_number(2),
        enrolments=sorted_enrolments(class_subject),
    )


@pytest.fixture
def grid(db) -> Grid:
    return build_grid(make_world(classes=2, students_per_class=5, subjects=2))
