"""Reads shaped for the role-aware home page; a fixed number of queries whatever the school size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from schools.models import ClassGroup, ClassSubject, Enrolment, HomeroomAssignment, School, SchoolYear, Student

from .access import Actor, class_subjects_taught, classes_homeroom
from .models import Role, RoleGrant, User

ACTIVE_STATUSES = (Enrolment.Status.STUDYING, Enrolment.Status.TRANSFERRED_IN)
_active_count = Count("enrolments", filter=Q(enrolments__status__in=ACTIVE_STATUSES), distinct=True)


def classes_with_counts(year: SchoolYear) -> QuerySet[ClassGroup]:
    """The year's classes with their active student count and their current homeroom teacher."""
    return (
        ClassGroup.objects.filter(school_year=year)
        .annotate(student_count=_active_count)
        .prefetch_related(
            Prefetch(
                "homeroom_assignments",
                queryset=HomeroomAssignment.objects.filter(ends_on__isnull=True).select_related("teacher"),
                to_attr="open_homerooms",
            )
        )
        .order_by("grade_level", "name")
    )


@dataclass
class HomeData:
    actor: Actor
    school: School | None = None
    year: SchoolYear | None = None
    teaching: list[ClassSubject] = field(default_factory=list)
    homeroom: list[ClassGroup] = field(default_factory=list)
    school_classes: list[ClassGroup] = field(default_factory=list)
    school_totals: dict = field(default_factory=dict)
    role_counts: list[dict] = field(default_factory=list)
    department_subjects: list = field(default_factory=list)
    children: list[Student] = field(default_factory=list)
    district_schools: list[School] = field(default_factory=list)


def home_data(actor: Actor) -> HomeData:
    user: User = actor.user
    data = HomeData(actor=actor)
    if actor.school_id is not None:
        data.year = (
            SchoolYear.objects.select_related("school").filter(school_id=actor.school_id, is_current=True).first()
        )
        data.school = data.year.school if data.year else School.objects.get(pk=actor.school_id)
    year = data.year

    if year is not None and actor.has(Role.TEACHER):
        data.teaching = list(
            class_subjects_taught(user)
            .filter(class_group__school_year=year)
            .select_related("class_group", "subject")
            .annotate(
                student_count=Count(
                    "class_group__enrolments",
                    filter=Q(class_group__enrolments__status__in=ACTIVE_STATUSES),
                    distinct=True,
                )
            )
            .order_by("class_group__grade_level", "class_group__name", "subject__order")
        )
        data.homeroom = list(
            classes_homeroom(user).filter(school_year=year).annotate(student_count=_active_count).order_by("name")
        )

    if year is not None and (actor.sees_whole_school or actor.has(Role.DEPARTMENT_HEAD)):
        data.school_classes = list(classes_with_counts(year))
        data.school_totals = {
            "classes": len(data.school_classes),
            "students": sum(c.student_count for c in data.school_classes),
            "teachers": RoleGrant.objects.filter(school_id=actor.school_id, role=Role.TEACHER).count(),
        }

    if actor.has(Role.ADMIN_BOARD, Role.PRINCIPAL) and actor.school_id is not None:
        data.role_counts = list(
            RoleGrant.objects.filter(school_id=actor.school_id)
            .values("role")
            .annotate(count=Count("user", distinct=True))
            .order_by("role")
        )
        labels = dict(Role.choices)
        for row in data.role_counts:
            row["label"] = labels.get(row["role"], row["role"])

    if actor.department_ids:
        from schools.models import Subject

        data.department_subjects = list(
            Subject.objects.filter(department_id__in=actor.department_ids)
            .select_related("department")
            .order_by("order")
        )

    if actor.student_ids:
        current_enrolments = Enrolment.objects.filter(school_year__is_current=True).select_related("class_group")
        data.children = list(
            Student.objects.filter(pk__in=actor.student_ids).prefetch_related(
                Prefetch("enrolments", queryset=current_enrolments, to_attr="current_enrolments")
            )
        )

    if actor.district_ids:
        data.district_schools = list(
            School.objects.filter(district_id__in=actor.district_ids)
            .annotate(
                student_count=Count(
                    "years__enrolments",
                    filter=Q(years__is_current=True, years__enrolments__status__in=ACTIVE_STATUSES),
                    distinct=True,
                )
            )
            .order_by("name")
        )
    return data
