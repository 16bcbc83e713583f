"""Per-object rights follow the teaching and homeroom assignments: added, moved, ended."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from accounts import access
from accounts.models import Role
from accounts.services import (
    homeroom_assign,
    homeroom_end,
    permissions_sync,
    teaching_assign,
    teaching_end,
    teaching_move,
)
from schools.models import ClassSubject
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db


def perms(user, obj):
    return set(ObjectPermissionChecker(user).get_perms(obj))


def test_a_new_teaching_assignment_grants_entry_on_that_subject_only():
    world = make_world(classes=1, students_per_class=1, subjects=2)
    cs_a, cs_b = ClassSubject.objects.filter(class_group=world.classes[0]).order_by("subject__order")
    teacher = make_user(world.school, Role.TEACHER)
    teaching_assign(teacher=teacher, class_subject=cs_a, starts_on=date(2026, 9, 5), actor=None)
    assert perms(teacher, cs_a) == {"enter_scores_classsubject"}
    assert perms(teacher, cs_b) == set()
    assert perms(teacher, world.classes[0]) == {"teach_classgroup"}
    assert access.get_class_subject_for_entry(teacher, cs_a.pk) == cs_a
    with pytest.raises(Http404):
        access.get_class_subject_for_entry(teacher, cs_b.pk)


def test_moving_an_assignment_moves_the_right():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    cs = ClassSubject.objects.get(class_group=world.classes[0])
    old = world.users["teacher"]
    new = make_user(world.school, Role.TEACHER)
    assignment = old.teaching_assignments.get()
    teaching_move(assignment=assignment, new_teacher=new, actor=world.users["admin_board"], reason="Nghỉ sinh")
    assert perms(new, cs) == {"enter_scores_classsubject"}
    assert perms(old, cs) == set()
    assert perms(old, world.classes[0]) == set()
    with pytest.raises(Http404):
        access.get_class_subject_for_entry(old, cs.pk)
    assert assignment.history.first().history_change_reason == "Nghỉ sinh"


def test_ending_an_assignment_ends_the_right_but_keeps_the_record():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    teacher = world.users["teacher"]
    assignment = teacher.teaching_assignments.get()
    teaching_end(assignment=assignment, actor=None, reason="Chuyển công tác")
    assert perms(teacher, assignment.class_subject) == set()
    assignment.refresh_from_db()
    assert assignment.ends_on is not None


def test_an_assignment_ending_in_the_future_keeps_its_right_until_then():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    teacher = world.users["teacher"]
    assignment = teacher.teaching_assignments.get()
    teaching_end(assignment=assignment, ends_on=date(2099, 1, 1), actor=None, reason="Hết hợp đồng")
    assert perms(teacher, assignment.class_subject) == {"enter_scores_classsubject"}
    permissions_sync(user=teacher, today=date(2099, 1, 1))
    assert perms(teacher, assignment.class_subject) == set()


def test_homeroom_handover_moves_the_homeroom_right():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    class_group = world.classes[0]
    old = world.users["homeroom"]
    new = make_user(world.school, Role.TEACHER)
    assert perms(old, class_group) == {"homeroom_classgroup"}
    homeroom_assign(teacher=new, class_group=class_group, actor=None, reason="Đổi GVCN")
    assert perms(new, class_group) == {"homeroom_classgroup"}
    assert perms(old, class_group) == set()
    assert access.get_class_for_homeroom(new, class_group.pk) == class_group
    with pytest.raises(Http404):
        access.get_class_for_homeroom(old, class_group.pk)
    homeroom_end(assignment=new.homeroom_assignments.get(), actor=None, reason="Nghỉ hưu")
    assert perms(new, class_group) == set()


def test_a_teacher_of_another_school_cannot_be_assigned():
    from django.core.exceptions import ValidationError

    world = make_world(classes=1, students_per_class=1, subjects=1)
    other = make_world(classes=0)
    stranger = make_user(other.school, Role.TEACHER)
    with pytest.raises(ValidationError):
        teaching_assign(
            teacher=stranger, class_subject=ClassSubject.objects.get(class_group=world.classes[0]), actor=None
        )


def test_readers_get_403_and_outsiders_get_404():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    cs = ClassSubject.objects.get(class_group=world.classes[0])
    principal = world.users[Role.PRINCIPAL]
    # The principal reads every grid but never enters scores.
    assert access.get_class_subject_for_view(principal, cs.pk) == cs
    with pytest.raises(PermissionDenied):
        access.get_class_subject_for_entry(principal, cs.pk)
    # The homeroom teacher reads the class's subjects but does not enter them.
    homeroom = world.users["homeroom"]
    assert access.get_class_subject_for_view(homeroom, cs.pk) == cs
    with pytest.raises(PermissionDenied):
        access.get_class_subject_for_entry(homeroom, cs.pk)
    # The subject teacher reads but cannot act as the homeroom teacher.
    with pytest.raises(PermissionDenied):
        access.get_class_for_homeroom(world.users["teacher"], world.classes[0].pk)
    # A principal of another school does not even learn the class exists.
    other = make_world(classes=0)
    with pytest.raises(Http404):
        access.get_class_subject_for_view(other.users[Role.PRINCIPAL], cs.pk)
    with pytest.raises(Http404):
        access.get_class_for_view(other.users[Role.PRINCIPAL], world.classes[0].pk)


def test_department_head_reads_their_departments_subjects_only():
    from schools.models import Department

    world = make_world(classes=1, students_per_class=1, subjects=2)
    dept = Department.objects.create(school=world.school, name="Tổ Toán")
    math, _other = world.subjects
    math.department = dept
    math.save()
    head = make_user(world.school, Role.DEPARTMENT_HEAD, department=dept)
    visible = set(access.class_subjects_visible(head).values_list("subject_id", flat=True))
    assert visible == {math.pk}


def test_sync_runs_the_same_queries_for_one_or_many_assignments(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = make_world(classes=3, students_per_class=1, subjects=3)
    few = make_user(world.school, Role.TEACHER)
    many = make_user(world.school, Role.TEACHER)
    class_subjects = list(ClassSubject.objects.filter(class_group__school_year=world.year))
    teaching_assign(teacher=few, class_subject=class_subjects[0], actor=None)
    for cs in class_subjects:
        teaching_assign(teacher=many, class_subject=cs, actor=None)
    counts = []
    for user in (few, many):
        # Revoke everything so the sync has to write back each row.
        user.classsubjectuserobjectpermission_set.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            permissions_sync(user=user)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert len(access.class_subjects_taught(many)) == 9
