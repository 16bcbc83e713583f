"""Account services: usernames in the school's style, one-time passwords, the audit trail."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Role, RoleGrant, User
from tests.factories import make_school, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("Nguyễn Thị Lan", "lannt"),
        ("Đặng Văn Đức", "ducdv"),
        ("  Trần   Ngọc  Bảo Anh ", "anhtnb"),
        ("Lưu Thị Ngọc Ánh", "anhltn"),
        ("Hà", "ha"),
        ("", ""),
    ],
)
def test_username_base_without_diacritics(full_name, expected):
    assert services.username_base(full_name) == expected


def test_username_suggestion_skips_taken_names():
    school = make_school()
    make_user(school, username="lannt")
    make_user(school, username="LANNT2")
    assert services.username_suggest("Nguyễn Thị Lan") == "lannt3"
    assert services.username_suggest("Ngô Thị Lan") == "lannt3"
    assert services.username_suggest("Phạm Văn Hùng") == "hungpv"


def test_create_with_a_taken_username_names_a_free_one_and_creates_nothing():
    school = make_school()
    admin = make_user(school, Role.ADMIN_BOARD)
    make_user(school, username="lannt")
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.account_create(school=school, full_name="Nguyễn Thị Lan", username="LanNT", actor=admin)
    assert "“lannt” đã có người dùng" in str(exc.value)
    assert "“lannt2”" in str(exc.value)
    assert User.objects.count() == before


def test_created_account_has_a_one_time_password_and_an_audited_creation():
    school = make_school()
    admin = make_user(school, Role.ADMIN_BOARD)
    user, password = services.account_create(school=school, full_name="Nguyễn Thị Lan", actor=admin)
    assert user.username == "lannt"
    assert user.check_password(password) and len(password) == 14
    assert user.must_change_password and user.school == school
    rows = list(user.history.order_by("history_date"))
    assert all(row.history_user == admin for row in rows)
    assert rows[-1].history_change_reason == "Tạo tài khoản"


def test_two_generated_passwords_differ():
    assert services.one_time_password() != services.one_time_password()


def test_role_grant_and_revoke_are_recorded_with_the_actor_and_reason():
    school = make_school()
    admin = make_user(school, Role.ADMIN_BOARD)
    user = make_user(school)
    grant = services.account_role_add(account=user, role=Role.OFFICE, actor=admin, reason="QĐ 12/QĐ-THCS")
    services.role_revoke(grant=grant, actor=admin, reason="Chuyển công tác")
    assert not RoleGrant.objects.filter(user=user).exists()
    added, removed = RoleGrant.history.filter(user_id=user.pk).order_by("history_date")
    assert (added.history_type, added.history_user, added.history_change_reason) == ("+", admin, "QĐ 12/QĐ-THCS")
    assert (removed.history_type, removed.history_user, removed.history_change_reason) == (
        "-",
        admin,
        "Chuyển công tác",
    )


def test_revoke_without_reason_is_refused():
    school = make_school()
    admin = make_user(school, Role.ADMIN_BOARD)
    grant = make_user(school, Role.OFFICE).role_grants.get()
    with pytest.raises(ValidationError):
        services.role_revoke(grant=grant, actor=admin, reason="  ")
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
