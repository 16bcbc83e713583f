"""Account management pages of the admin board: who may see and change what, and what changes."""

import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Role, RoleGrant, User
from schools.models import Department, HomeroomAssignment
from tests.factories import PASSWORD, make_school, make_user, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return world.users[Role.ADMIN_BOARD]


def test_list_shows_the_school_in_vietnamese_order(client, world, admin):
    for name in ("Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Thị An", "Phạm Đức Anh"):
        services.account_create(school=world.school, full_name=name, actor=admin)
    make_user(make_school(), Role.TEACHER, username="nguoitruongkhac")
    client.force_login(admin)
    response = client.get(reverse("account_list"), {"q": "thi"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tài khoản của trường" in body
    names = re.findall(r'<td><a href="/tai-khoan/quan-ly/\d+/">([^<]+)</a></td>', body)
    # Given name first (An < Anh < Ánh), in Vietnamese collation; "thi" matches "Thị" without diacritics.
    assert names == ["Lê Thị An", "Nguyễn Thị Ánh"]
    assert "nguoitruongkhac" not in client.get(reverse("account_list")).content.decode()


def rows(body: str) -> list[str]:
    return re.findall(r'<tr data-account="([^"]+)"', body)


def test_list_filters_by_role_and_status(client, world, admin):
    teacher = world.users["teacher"]
    homeroom = world.users["homeroom"]
    office = world.users[Role.OFFICE]
    services.account_set_active(account=office, active=False, actor=admin, reason="Nghỉ hưu")
    client.force_login(admin)
    teachers = rows(client.get(reverse("account_list"), {"role": "teacher"}).content.decode())
    assert teacher.username in teachers and homeroom.username in teachers and admin.username not in teachers
    assert rows(client.get(reverse("account_list"), {"role": "homeroom"}).content.decode()) == [homeroom.username]
    assert rows(client.get(reverse("account_list"), {"status": "inactive"}).content.decode()) == [office.username]
    active = rows(client.get(reverse("account_list"), {"status": "active"}).content.decode())
    assert office.username not in active and admin.username in active


def _list_queries(client, django_assert_num_queries, admin) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse("account_list"))  # warm the session and the content-type caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("account_list"))
    assert response.status_code == 200
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get(reverse("account_list"))
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_the_school(client, django_assert_num_queries):
    small = make_world(classes=1, students_per_class=1, subjects=1)
    big = make_world(classes=6, students_per_class=1, subjects=4)  # 4 + 6 homeroom + 24 teachers = 34 accounts
    departments = [Department.objects.create(school=big.school, name=f"Tổ {i}") for i in range(3)]
    for i, user in enumerate(User.objects.filter(school=big.school, role_grants__role=Role.TEACHER)[:10]):
        services.role_grant(user=user, role=Role.DEPARTMENT_HEAD, school=big.school, department=departments[i % 3])
    counts = []
    for world in (small, big):
        admin = world.users[Role.ADMIN_BOARD]
        client.force_login(admin)
        counts.append(_list_queries(client, django_assert_num_queries, admin))
    assert User.objects.filter(school=big.school).count() > 30
    assert counts[0] == counts[1]
    assert counts[0] <= 12


def test_list_is_paginated(client, world, admin):
    for i in range(30):
        services.account_create(school=world.school, full_name=f"Nguyễn Văn Tèo {i:02d}", actor=admin)
    client.force_login(admin)
    first = client.get(reverse("account_list"), {"q": "teo"}).content.decode()
    second = client.get(reverse("account_list"), {"q": "teo", "trang": 2}).content.decode()
    assert len(rows(first)) == 25 and len(rows(second)) == 5
    assert "Trang 1/2" in first and "q=teo&amp;trang=2" in first
    assert not set(rows(first)) & set(rows(second))


# --- who may do what ---------------------------------------------------------------------


def _endpoints(account_id, grant_id, assignment_id):
    return [
        ("get", reverse("account_list")),
        ("get", reverse("account_create")),
        ("post", reverse("account_create")),
        ("get", reverse("account_detail", args=[account_id])),
        ("post", reverse("account_profile", args=[account_id])),
        ("post", reverse("account_role_add", args=[account_id])),
        ("post", reverse("account_role_revoke", args=[account_id, grant_id])),
        ("post", reverse("account_homeroom_end", args=[account_id, assignment_id])),
        ("post", reverse("account_status", args=[account_id])),
        ("post", reverse("account_password_reset", args=[account_id])),
        ("post", reverse("account_unlock", args=[account_id])),
    ]


def _target(world):
    homeroom = world.users["homeroom"]
    grant = homeroom.role_grants.get(role=Role.TEACHER)
    assignment = HomeroomAssignment.objects.get(teacher=homeroom)
    return homeroom, grant, assignment


def _state(user):
    user.refresh_from_db()
    return (
        user.is_active,
        user.password,
        user.full_name,
        sorted(user.role_grants.values_list("role", flat=True)),
        HomeroomAssignment.objects.filter(teacher=user, ends_on__isnull=True).count(),
    )


POST_DATA = {"reason": "thử", "status-reason": "thử", "active": "0", "full_name": "Đổi Tên", "role": "office"}


def test_anonymous_is_sent_to_login(client, world):
    target, grant, assignment = _target(world)
    for method, url in _endpoints(target.pk, grant.pk, assignment.pk):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"], url


@pytest.mark.parametrize("who", ["teacher", "homeroom", Role.OFFICE, Role.VICE_PRINCIPAL])
def test_other_roles_are_refused_and_nothing_changes(client, world, who):
    target, grant, assignment = _target(world)
    user = world.users[who]
    if who == "homeroom":  # the target itself, looking at its own account
        target = world.users["teacher"]
        grant = target.role_grants.get(role=Role.TEACHER)
    before = _state(target)
    client.force_login(user)
    for method, url in _endpoints(target.pk, grant.pk, assignment.pk):
        response = getattr(client, method)(url, POST_DATA)
        assert response.status_code == 403, (who, url)
    assert _state(target) == before


def test_principal_reads_but_cannot_change(client, world):
    target, grant, assignment = _target(world)
    before = _state(target)
    client.force_login(world.users[Role.PRINCIPAL])
    listing = client.get(reverse("account_list")).content.decode()
    assert target.username in rows(listing)
    assert "Tạo tài khoản" not in listing and "Hiệu trưởng theo dõi các tài khoản" in listing
    detail = client.get(reverse("account_detail", args=[target.pk])).content.decode()
    assert target.full_name in detail and 'id="role-add"' not in detail and "Đặt lại mật khẩu" not in detail
    for method, url in _endpoints(target.pk, grant.pk, assignment.pk):
        if method == "post" or url == reverse("account_create"):
            assert getattr(client, method)(url, POST_DATA).status_code == 403, url
    assert _state(target) == before


def test_admin_board_of_another_school_gets_404_and_sees_only_its_school(client, world):
    target, grant, assignment = _target(world)
    before = _state(target)
    other = make_world(classes=1, students_per_class=1, subjects=1)
    client.force_login(other.users[Role.ADMIN_BOARD])
    for method, url in _endpoints(target.pk, grant.pk, assignment.pk)[3:]:
        assert getattr(client, method)(url, POST_DATA).status_code == 404, url
    assert target.username not in rows(client.get(reverse("account_list")).content.decode())
    assert _state(target) == before


def test_wrong_methods_get_405(client, world, admin):
    target, grant, assignment = _target(world)
    client.force_login(admin)
    for method, url in _endpoints(target.pk, grant.pk, assignment.pk):
        wrong = "get" if method == "post" and "tao-moi" not in url else "put"
        assert getattr(client, wrong)(url).status_code == 405, url


def test_superuser_of_the_school_manages_accounts(client, world):
    root = make_user(world.school, username="root")
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    client.force_login(root)
    assert world.users["teacher"].username in rows(client.get(reverse("account_list")).content.decode())
    target = world.users[Role.OFFICE]
    response = client.post(reverse("account_status", args=[target.pk]), {"active": "0", "status-reason": "Nghỉ việc"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active


def test_menu_entry_for_the_admin_board_only(client, world, admin):
    client.force_login(admin)
    assert 'href="/tai-khoan/quan-ly/"' in client.get(reverse("home")).content.decode()
    client.force_login(world.users["teacher"])
    assert 'href="/tai-khoan/quan-ly/"' not in client.get(reverse("home")).content.decode()


# --- creating an account ---------------------------------------------------------------


def test_create_account_shows_the_one_time_password_once_and_forces_a_change(client, world, admin):
    client.force_login(admin)
    response = client.post(
        reverse("account_create"), {"full_name": "  Nguyễn  Thị Lan ", "username": "", "password_mode": "generate"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Đã tạo tài khoản" in body
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'id="new-password">([^<]+)<', body).group(1)
    user = User.objects.get(username="lannt")
    assert user.full_name == "Nguyễn Thị Lan" and user.school == world.school
    assert user.check_password(password) and user.must_change_password
    assert password not in client.get(reverse("account_detail", args=[user.pk])).content.decode()

    client.logout()
    login = client.post(reverse("login"), {"username": "lannt", "password": password})
    assert login.status_code == 302 and login["Location"] == reverse("password_change")
    assert client.get(reverse("home"))["Location"] == reverse("password_change")
    new = "mot-mat-khau-rieng-2026"
    client.post(reverse("password_change"), {"old_password": password, "new_password1": new, "new_password2": new})
    user.refresh_from_db()
    assert user.check_password(new) and not user.must_change_password
    assert client.get(reverse("home")).status_code == 200


def test_create_with_a_taken_username_is_refused_with_a_suggestion(client, world, admin):
    make_user(world.school, username="lannt")
    client.force_login(admin)
    before = User.objects.count()
    response = client.post(
        reverse("account_create"), {"full_name": "Nguyễn Thị Lan", "username": "lannt", "password_mode": "generate"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Tên đăng nhập “lannt” đã có người dùng. Tên còn trống: “lannt2”." in body
    assert "Tên đăng nhập gợi ý: <strong>lannt2</strong>" in body
    assert User.objects.count() == before


def test_create_with_a_password_set_by_the_admin(client, world, admin):
    client.force_login(admin)
    weak = client.post(
        reverse("account_create"),
        {"full_name": "Lê Văn Nam", "username": "namlv", "password_mode": "set", "password": "123"},
    )
    assert weak.status_code == 200 and not User.objects.filter(username="namlv").exists()
    assert "Mật khẩu" in weak.content.decode() and 'role="alert"' in weak.content.decode()
    ok = client.post(
        reverse("account_create"),
        {"full_name": "Lê Văn Nam", "username": "namlv", "password_mode": "set", "password": "truong-binh-an-2026"},
    )
    assert ok.status_code == 200 and 'id="new-password"' not in ok.content.decode()
    user = User.objects.get(username="namlv")
    assert user.check_password("truong-binh-an-2026") and user.must_change_password


# --- roles -------------------------------------------------------------------------------


def test_grant_roles_with_their_scope(client, world, admin):
    user, _ = services.account_create(school=world.school, full_name="Đỗ Thị Mai", actor=admin)
    department = Department.objects.create(school=world.school, name="Tổ Toán – Tin")
    student = world.classes[0].enrolments.first().student
    client.force_login(admin)
    url = reverse("account_role_add", args=[user.pk])

    missing_reason = client.post(url, {"role": "teacher", "reason": ""})
    assert missing_reason.status_code == 400 and not user.role_grants.exists()

    homeroom_first = client.post(url, {"role": "homeroom", "class_group": world.classes[0].pk, "reason": "QĐ 5"})
    assert "hãy cấp vai trò Giáo viên trước" in homeroom_first.content.decode()

    head_without_department = client.post(url, {"role": "department_head", "reason": "QĐ 5"})
    assert "Hãy chọn tổ chuyên môn." in head_without_department.content.decode()

    assert client.post(url, {"role": "teacher", "reason": "QĐ 5/QĐ-THCS"}).status_code == 302
    assert (
        client.post(url, {"role": "department_head", "department": department.pk, "reason": "QĐ 6"}).status_code == 302
    )
    assert (
        client.post(url, {"role": "parent", "student_code": student.student_code, "reason": "Phụ huynh"}).status_code
        == 302
    )
    unknown = client.post(url, {"role": "student", "student_code": "KHONGCO", "reason": "x"})
    assert "Không có học sinh nào của trường có mã “KHONGCO”." in unknown.content.decode()

    previous = HomeroomAssignment.objects.get(class_group=world.classes[0], ends_on__isnull=True)
    response = client.post(url, {"role": "homeroom", "class_group": world.classes[0].pk, "reason": "QĐ 7"})
    assert response.status_code == 302
    assert HomeroomAssignment.objects.get(class_group=world.classes[0], ends_on__isnull=True).teacher == user
    previous.refresh_from_db()
    assert previous.ends_on is not None
    # The per-object right follows the assignment (django-guardian rows kept in sync).
    from accounts.access import classes_homeroom

    assert list(classes_homeroom(user)) == [world.classes[0]]

    grants = {(g.role, g.department_id, g.student_id) for g in user.role_grants.all()}
    assert grants == {("teacher", None, None), ("department_head", department.pk, None), ("parent", None, student.pk)}
    history = RoleGrant.history.filter(user_id=user.pk, history_type="+").order_by("history_date")
    assert [(h.history_user, h.history_change_reason) for h in history] == [
        (admin, "QĐ 5/QĐ-THCS"),
        (admin, "QĐ 6"),
        (admin, "Phụ huynh"),
    ]
    detail = client.get(reverse("account_detail", args=[user.pk])).content.decode()
    assert "Tổ trưởng chuyên môn – Tổ Toán – Tin" in detail
    assert "Giáo viên chủ nhiệm lớp 6A" in detail and "QĐ 7" in detail


def test_revoke_a_role_keeps_it_in_the_log(client, world, admin):
    office = world.users[Role.OFFICE]
    grant = office.role_grants.get()
    client.force_login(admin)
    refused = client.post(reverse("account_role_revoke", args=[office.pk, grant.pk]), {"reason": ""})
    assert refused.status_code == 400 and office.role_grants.exists()
    response = client.post(reverse("account_role_revoke", args=[office.pk, grant.pk]), {"reason": "QĐ 9 thôi việc"})
    assert response.status_code == 302 and not office.role_grants.exists()
    detail = client.get(reverse("account_detail", args=[office.pk])).content.decode()
    assert "Thu hồi vai trò: Văn phòng" in detail and "QĐ 9 thôi việc" in detail


def test_a_teacher_with_open_assignments_keeps_the_teacher_role(client, world, admin):
    homeroom, grant, _assignment = _target(world)
    client.force_login(admin)
    response = client.post(reverse("account_role_revoke", args=[homeroom.pk, grant.pk]), {"reason": "x"})
    assert response.status_code == 400
    assert "còn phân công chủ nhiệm hoặc giảng dạy" in response.content.decode()
    assert homeroom.role_grants.filter(role=Role.TEACHER).exists()


def test_end_a_homeroom_assignment(client, world, admin):
    homeroom, _grant, assignment = _target(world)
    client.force_login(admin)
    url = reverse("account_homeroom_end", args=[homeroom.pk, assignment.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Đổi chủ nhiệm theo QĐ 3"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.ends_on is not None
    from accounts.access import classes_homeroom

    assert not classes_homeroom(homeroom).exists()
    last = HomeroomAssignment.history.filter(id=assignment.pk).latest("history_date")
    assert last.history_user == admin and last.history_change_reason == "Đổi chủ nhiệm theo QĐ 3"


def test_admin_cannot_remove_his_own_admin_role_or_deactivate_himself(client, world, admin):
    grant = admin.role_grants.get(role=Role.ADMIN_BOARD)
    client.force_login(admin)
    page = client.get(reverse("account_detail", args=[admin.pk])).content.decode()
    assert "Bạn không thể tự khóa tài khoản của chính mình." in page
    revoke = client.post(reverse("account_role_revoke", args=[admin.pk, grant.pk]), {"reason": "thử"})
    assert revoke.status_code == 400
    assert "Bạn không thể tự thu hồi vai trò Ban quản trị của mình" in revoke.content.decode()
    status = client.post(reverse("account_status", args=[admin.pk]), {"active": "0", "status-reason": "thử"})
    assert status.status_code == 400
    assert "Bạn không thể tự khóa tài khoản của chính mình." in status.content.decode()
    admin.refresh_from_db()
    assert admin.is_active and admin.role_grants.filter(role=Role.ADMIN_BOARD).exists()
    # Another member of the board can.
    colleague = make_user(world.school, Role.ADMIN_BOARD)
    client.force_login(colleague)
    assert client.post(reverse("account_role_revoke", args=[admin.pk, grant.pk]), {"reason": "QĐ 2"}).status_code == 302


# --- status, password, lockout -----------------------------------------------------------


def test_deactivate_and_reactivate_with_a_reason(client, world, admin):
    teacher = world.users["teacher"]
    client.force_login(admin)
    url = reverse("account_status", args=[teacher.pk])
    assert client.post(url, {"active": "0", "status-reason": ""}).status_code == 400
    teacher.refresh_from_db()
    assert teacher.is_active
    assert client.post(url, {"active": "0", "status-reason": "Nghỉ hưu từ 01/12"}).status_code == 302
    teacher.refresh_from_db()
    assert not teacher.is_active and User.objects.filter(pk=teacher.pk).exists()
    client.logout()
    assert client.post(reverse("login"), {"username": teacher.username, "password": PASSWORD}).status_code == 200
    client.force_login(admin)
    assert client.post(url, {"active": "1", "status-reason": "Quay lại trường"}).status_code == 302
    teacher.refresh_from_db()
    assert teacher.is_active
    reasons = list(teacher.history.order_by("-history_date").values_list("history_change_reason", "history_user"))
    assert reasons[:2] == [("Quay lại trường", admin.pk), ("Nghỉ hưu từ 01/12", admin.pk)]
    detail = client.get(reverse("account_detail", args=[teacher.pk])).content.decode()
    assert "Nghỉ hưu từ 01/12" in detail


def test_reset_password_shows_a_new_one_time_password(client, world, admin):
    teacher = world.users["teacher"]
    client.force_login(admin)
    response = client.post(reverse("account_password_reset", args=[teacher.pk]), {"reason": "Quên mật khẩu"})
    body = response.content.decode()
    assert response.status_code == 200 and "Đã đặt lại mật khẩu" in body
    password = re.search(r'id="new-password">([^<]+)<', body).group(1)
    teacher.refresh_from_db()
    assert teacher.check_password(password) and not teacher.check_password(PASSWORD)
    assert teacher.must_change_password
    last = teacher.history.latest("history_date")
    assert last.history_user == admin and last.history_change_reason == "Quên mật khẩu"


def test_unlock_a_locked_out_username(client, world, admin):
    from axes.models import AccessAttempt

    teacher = world.users["teacher"]
    for _ in range(5):
        client.post(reverse("login"), {"username": teacher.username, "password": "sai"}, REMOTE_ADDR="10.0.0.9")
    assert (
        client.post(
            reverse("login"), {"username": teacher.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
        ).status_code
        == 429
    )
    client.force_login(admin)
    listing = client.get(reverse("account_list"), {"q": teacher.username}).content.decode()
    assert "Đăng nhập bị tạm khóa" in listing
    detail = client.get(reverse("account_detail", args=[teacher.pk])).content.decode()
    assert "Mở khóa đăng nhập" in detail
    response = client.post(reverse("account_unlock", args=[teacher.pk]), {"reason": "Giáo viên gọi điện"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=teacher.username).exists()
    last = teacher.history.latest("history_date")
    assert last.history_user == admin and last.history_change_reason == "Giáo viên gọi điện"
    client.logout()
    assert (
        client.post(
            reverse("login"), {"username": teacher.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
        ).status_code
        == 302
    )


def test_profile_edit_is_audited(client, world, admin):
    teacher = world.users["teacher"]
    client.force_login(admin)
    bad = client.post(reverse("account_profile", args=[teacher.pk]), {"full_name": " ", "email": "x"})
    assert bad.status_code == 400
    response = client.post(
        reverse("account_profile", args=[teacher.pk]),
        {"full_name": "Vũ Thị Hạnh", "email": "hanh@example.org", "phone": "0912000111"},
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert (teacher.full_name, teacher.email, teacher.phone) == ("Vũ Thị Hạnh", "hanh@example.org", "0912000111")
    assert teacher.history.latest("history_date").history_user == admin
    detail = client.get(reverse("account_detail", args=[teacher.pk])).content.decode()
    assert "Vũ Thị Hạnh" in detail
