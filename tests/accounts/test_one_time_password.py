"""A one-time password is changed before anything else: every page but the password change,
logging out, the language switch and the health check leads there (GET) or is refused (POST)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher():
    world = make_world(classes=1, students_per_class=2, subjects=1)
    user = world.users["teacher"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    return user


def test_every_page_leads_to_the_password_change_first(client, teacher):
    client.force_login(teacher)
    for url in (reverse("home"), reverse("grades:index"), reverse("corrections:minutes_list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("password_change"), url
    response = client.post(reverse("grades:index"))
    assert response.status_code == 403
    assert "đổi mật khẩu dùng một lần" in response.content.decode()
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200


def test_after_the_change_the_pages_open(client, teacher):
    client.force_login(teacher)
    new = "mat-khau-moi-cua-thay-2026"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert not teacher.must_change_password
    assert client.get(reverse("grades:index")).status_code == 200


def test_logging_out_is_always_possible(client, teacher):
    client.force_login(teacher)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("grades:index"))["Location"].startswith(reverse("login"))


def test_people_without_a_one_time_password_are_not_stopped(client):
    world = make_world(classes=1, students_per_class=1, subjects=1)
    client.force_login(world.users[Role.PRINCIPAL])
    assert client.get(reverse("home")).status_code == 200
