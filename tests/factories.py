"""Builders of small, realistic schools for tests, through the same services the product uses."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from accounts import services as account_services
from accounts.models import Role, User
from schools import services as school_services
from schools.models import (
    ClassGroup,
    ClassSubject,
    DistrictOffice,
    ProvinceOffice,
    School,
    SchoolYear,
    Student,
    Subject,
)
from schools.services import TermSpec

_counter = itertools.count(1)
PASSWORD = "mat-khau-thu-nghiem-1"


def make_user(school: School | None, role: str | None = None, *, username: str | None = None, **grant) -> User:
    n = next(_counter)
    user = account_services.user_create(
        username=username or f"user{n}", full_name=f"Người dùng {n}", password=PASSWORD, school=school
    )
    if role:
        if role in (
            Role.PRINCIPAL,
            Role.VICE_PRINCIPAL,
            Role.ADMIN_BOARD,
            Role.OFFICE,
            Role.TEACHER,
            Role.DEPARTMENT_HEAD,
        ):
            grant.setdefault("school", school)
        account_services.role_grant(user=user, role=role, **grant)
    return user


def make_school(name: str = "Trường THCS Thử Nghiệm", district: DistrictOffice | None = None) -> School:
    n = next(_counter)
    if district is None:
        province = ProvinceOffice.objects.create(name=f"Sở GD&ĐT {n}", code=f"S{n}")
        district = DistrictOffice.objects.create(province=province, name=f"Phòng GD&ĐT {n}", code=f"P{n}")
    return School.objects.create(district=district, name=name, code=f"T{n}", level=School.Level.LOWER_SECONDARY)


def make_year(school: School, start_year: int = 2026, current: bool = True) -> SchoolYear:
    return school_services.school_year_create(
        school=school,
        start_year=start_year,
        start_date=date(start_year, 9, 5),
        end_date=date(start_year + 1, 5, 31),
        terms=[
            TermSpec(1, date(start_year, 9, 5), date(start_year + 1, 1, 16)),
            TermSpec(2, date(start_year + 1, 1, 18), date(start_year + 1, 5, 31)),
        ],
        rule_sets=dict.fromkeys(school.grade_levels, "tt22_2021"),
        make_current=current,
    )


def make_subject(school: School, code: str = "toan", name: str = "Toán", kind: str = "score", **extra) -> Subject:
    return Subject.objects.create(school=school, code=code, name=name, kind=kind, **extra)


def make_students(school: School, count: int, prefix: str = "") -> list[Student]:
    students = []
    for i in range(count):
        n = next(_counter)
        students.append(
            Student(
                student_code=f"{prefix}HS{n:06d}",
                family_name="Nguyễn Văn",
                given_name=f"An{i}",
                date_of_birth=date(2014, 1, 1),
                gender=Student.Gender.MALE,
                permanent_address="Hải Phòng",
                father_name="Nguyễn Văn Bố",
                contact_phone="0912345678",
            )
        )
    return school_services.students_create(school=school, students=students, actor=None, reason="test")


@dataclass
class SchoolWorld:
    school: School
    year: SchoolYear
    subjects: list[Subject]
    classes: list[ClassGroup] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)


def make_world(*, classes: int = 1, students_per_class: int = 5, subjects: int = 2) -> SchoolWorld:
    """A school with a current year, ``subjects`` subjects offered to grade 6, ``classes`` classes of
    grade 6 each with students, a teacher per class subject, a homeroom teacher per class and one
    person in each school-wide role."""
    school = make_school()
    year = make_year(school)
    subject_rows = [
        make_subject(school, code=f"mon{i}", name=f"Môn {i}", kind="score", order=i) for i in range(subjects)
    ]
    for subject in subject_rows:
        school_services.subject_offer(school_year=year, subject=subject, grade_levels=[6], periods_per_year=70)
    world = SchoolWorld(school=school, year=year, subjects=subject_rows)
    for role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE):
        world.users[role] = make_user(school, role)
    for c in range(classes):
        class_group = school_services.class_group_create(school_year=year, grade_level=6, name=f"6{chr(65 + c)}")
        school_services.enrolments_create(
            class_group=class_group,
            students=make_students(school, students_per_class),
            enrolled_on=year.start_date,
            actor=None,
            reason="test",
        )
        homeroom = make_user(school, Role.TEACHER)
        account_services.homeroom_assign(
            teacher=homeroom, class_group=class_group, starts_on=year.start_date, actor=None
        )
        world.users.setdefault("homeroom", homeroom)
        for cs in ClassSubject.objects.filter(class_group=class_group):
            teacher = make_user(school, Role.TEACHER)
            account_services.teaching_assign(teacher=teacher, class_subject=cs, starts_on=year.start_date, actor=None)
            world.users.setdefault("teacher", teacher)
        world.classes.append(class_group)
    return world
