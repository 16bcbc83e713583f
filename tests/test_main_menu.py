"""The main menu shows each role the parts of the book it reaches, and nothing else."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def menu(client, user) -> list[str]:
    client.force_login(user)
    body = client.get(reverse("home")).content.decode()
    nav = re.search(r'<nav class="topnav">(.*?)</nav>', body, re.S).group(1)
    return re.findall(r">([^<]+)</a>", nav)


def test_teacher_menu(client, world):
    items = menu(client, world.users["teacher"])
    assert items[:3] == ["Trang chủ", "Điểm số", "Chủ nhiệm"]
    assert "Khóa sổ" not in items


def test_principal_menu_has_locks_and_the_change_log(client, world):
    items = menu(client, world.users[Role.PRINCIPAL])
    assert {"Điểm số", "Khóa sổ", "Nhật kí thay đổi"} <= set(items)


def test_parent_menu_is_home_and_the_contact_book(client, world):
    student = world.classes[0].enrolments.first().student
    assert menu(client, make_user(world.school, Role.PARENT, student=student)) == ["Trang chủ", "Sổ liên lạc"]
