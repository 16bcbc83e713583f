"""The demo school: realistic, deterministic, idempotent; every demo login reaches its home page."""

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from demo.loader import DEMO_PASSWORD, SCHOOL_CODE, seed_demo
from schools.models import ClassGroup, Enrolment, GradeRuleSet, SchoolYear, Student, TeachingAssignment

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "hieutruong": "Toàn trường",
    "phohieutruong": "Toàn trường",
    "quantri": "Quản lí tài khoản",
    "vanphong": "Công việc in sổ",
    "gv01": "Lớp và môn tôi dạy",
    "phuhuynh1": "Con của tôi",
    "hocsinh1": "Kết quả của em",
    "phonggd": "Các trường trực thuộc",
}


def snapshot():
    return list(
        Student.objects.filter(school__code=SCHOOL_CODE)
        .order_by("student_code")
        .values_list("student_code", "family_name", "given_name", "date_of_birth")
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        summary = seed_demo()
        yield summary
        transaction.set_rollback(True)


def test_the_demo_school_is_realistic(demo):
    current = SchoolYear.objects.get(school__code=SCHOOL_CODE, is_current=True)
    classes = ClassGroup.objects.filter(school_year=current)
    assert sorted(classes.values_list("name", flat=True)) == [f"{g}{c}" for g in (6, 7, 8, 9) for c in "ABC"]
    for class_group in classes:
        assert 40 <= class_group.enrolments.count() <= 46
    assert demo.counts["teachers"] == 25
    # Every subject of every class has a teacher this year; last year's assignments have ended.
    assert not current.classes.filter(class_subjects__assignments__isnull=True).exists()
    assert not TeachingAssignment.objects.filter(
        class_subject__class_group__school_year__is_current=False, ends_on__isnull=True
    ).exists()
    # The rule set of every grade is chosen by the school year and the grade (R-SEL-1).
    assert set(GradeRuleSet.objects.filter(school_year=current).values_list("rule_set", flat=True)) == {"tt22_2021"}
    # Movements: a transfer out, a dropout, a transfer in.
    statuses = set(Enrolment.objects.filter(school_year=current).values_list("status", flat=True))
    assert {"transferred_out", "dropped_out", "transferred_in"} <= statuses
    # Last year's grade 9 completed the programme.
    previous = SchoolYear.objects.get(school__code=SCHOOL_CODE, is_current=False)
    assert set(
        Enrolment.objects.filter(school_year=previous, class_group__grade_level=9).values_list("status", flat=True)
    ) == {"graduated"}
    # Names are Vietnamese, with diacritics.
    assert any("Nguyễn" in s[1] for s in snapshot())


def test_seed_is_idempotent(demo):
    before = (Student.objects.count(), User.objects.count(), Enrolment.objects.count())
    assert seed_demo().created is False
    assert (Student.objects.count(), User.objects.count(), Enrolment.objects.count()) == before


@pytest.mark.parametrize(("username", "expected"), DEMO_LOGINS.items())
def test_every_demo_login_reaches_its_home_page(demo, client, username, expected):
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert expected in body
