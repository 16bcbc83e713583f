"""The role-aware home page: each person sees their own work, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Role
from schools.models import ClassSubject
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_teacher_sees_their_classes_and_subjects(client, world):
    body = page(client, world.users["teacher"])
    assert "Lớp và môn tôi dạy" in body
    assert "6A" in body and world.subjects[0].name in body
    assert "Toàn trường" not in body


def test_homeroom_teacher_sees_their_class(client, world):
    body = page(client, world.users["homeroom"])
    assert "Lớp chủ nhiệm của tôi" in body and "5 học sinh" in body


def test_principal_sees_the_school(client, world):
    body = page(client, world.users[Role.PRINCIPAL])
    assert "Toàn trường" in body and "1 lớp · 5 học sinh" in body
    assert "Tài khoản và vai trò" in body


def test_office_sees_print_work(client, world):
    body = page(client, world.users[Role.OFFICE])
    assert "Công việc in sổ" in body


def test_admin_board_sees_accounts(client, world):
    body = page(client, world.users[Role.ADMIN_BOARD])
    assert "Quản lí tài khoản" in body


def test_parent_sees_only_their_child(client, world):
    enrolments = list(world.classes[0].enrolments.select_related("student"))
    parent = make_user(world.school, Role.PARENT, student=enrolments[0].student)
    body = page(client, parent)
    assert enrolments[0].student.full_name in body and "Con của tôi" in body
    assert enrolments[1].student.given_name not in body
    assert "Toàn trường" not in body


def test_supervisor_sees_the_schools_of_their_district_only(client, world):
    from tests.factories import make_world as another

    other = another(classes=0)
    other.school.name = "Trường THCS Ở Huyện Khác"
    other.school.save()
    supervisor = make_user(None, Role.SUPERVISOR, district=world.school.district)
    body = page(client, supervisor)
    assert world.school.name in body
    assert other.school.name not in body


def test_a_person_with_no_role_is_told_so(client, world):
    body = page(client, make_user(world.school))
    assert "chưa được gán vai trò" in body


def queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["teacher", "homeroom", Role.PRINCIPAL, Role.OFFICE, Role.ADMIN_BOARD])
def test_home_page_queries_do_not_grow_with_the_school(client, role):
    small = make_world(classes=1, students_per_class=3, subjects=1)
    large = make_world(classes=5, students_per_class=40, subjects=6)
    if role == "teacher":
        # The large school's teacher teaches every class's subject.
        teacher = large.users["teacher"]
        for cs in ClassSubject.objects.filter(class_group__school_year=large.year).exclude(
            assignments__teacher=teacher
        ):
            account_services.teaching_assign(teacher=teacher, class_subject=cs, actor=None)
    assert queries(client, small.users[role]) == queries(client, large.users[role])


def test_supervisor_home_queries_do_not_grow_with_the_district(client):
    small = make_world(classes=1, students_per_class=3, subjects=1)
    supervisor = make_user(None, Role.SUPERVISOR, district=small.school.district)
    before = queries(client, supervisor)
    from tests.factories import make_school, make_year

    for _ in range(3):
        make_year(make_school(district=small.school.district))
    assert queries(client, supervisor) == before
