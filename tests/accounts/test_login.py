"""Log-in in Vietnamese, throttled per (username, address) pair."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, make_school, make_user

pytestmark = pytest.mark.django_db


def post_login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Đăng nhập" in body and "Mật khẩu" in body
    assert '<html lang="vi">' in body


def test_login_page_in_english_on_request(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("login")).content.decode()
    assert "Log in to the gradebook" in body


def test_wrong_password_is_refused_in_vietnamese(client):
    user = make_user(make_school(), Role.TEACHER)
    response = post_login(client, user.username, "sai-mat-khau")
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_pair_but_not_the_staff_room(client):
    school = make_school()
    victim = make_user(school, Role.TEACHER)
    colleague = make_user(school, Role.TEACHER)
    for _ in range(5):
        post_login(client, victim.username, "sai")
    # Even the right password is refused now, from that address.
    locked = post_login(client, victim.username, PASSWORD)
    assert locked.status_code == 429
    assert "15 phút" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # A colleague behind the same router still logs in.
    ok = post_login(client, colleague.username, PASSWORD)
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_the_same_user_from_another_address_is_not_locked(client):
    user = make_user(make_school(), Role.TEACHER)
    for _ in range(5):
        post_login(client, user.username, "sai", ip="10.0.0.1")
    response = post_login(client, user.username, PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302


def test_logout_needs_post_and_ends_the_session(client):
    user = make_user(make_school(), Role.TEACHER)
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_password_change(client):
    user = make_user(make_school(), Role.TEACHER)
    client.force_login(user)
    new = "mot-mat-khau-moi-dai-2026"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_an_english_browser_still_gets_vietnamese(client):
    body = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập sổ điểm điện tử" in body
