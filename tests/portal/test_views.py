"""The parent/student portal and the homeroom teacher's messages: content, every boundary of
roles-and-permissions.md ("parent / student": own child / themselves, published data only) and
§9.6 P-PUB-1/2, and a constant number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role
from attendance.services import CellChange, attendance_record_many
from grades.models import TERM1, YEAR, ResultBatch, StudentResult
from portal import services
from portal.models import Message, MessageRead
from schools import services as school_services
from schools.models import Enrolment
from tests.factories import make_user, make_year

from .conftest import LATE_DAY, approve_term1, make_family_world, score_class

pytestmark = pytest.mark.django_db


def child_url(enrolment) -> str:
    return reverse("portal:child", args=[enrolment.student_id])


def send(family, *, student=None, title="Họp phụ huynh", body="Kính mời phụ huynh dự họp lúc 8 giờ."):
    return services.message_send(
        actor=family.homeroom, class_group=family.class_a, student=student, title=title, body=body
    )


# --- the child's page ------------------------------------------------------------------------


def test_parent_with_one_child_goes_straight_to_the_childs_page(client, family):
    client.force_login(family.parent)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == child_url(family.child)


def test_childs_page_shows_class_homeroom_scores_and_comments(client, family):
    score_class(family.class_a, 1, "8,5", comment="Chăm chỉ, cần cẩn thận hơn")
    client.force_login(family.parent)
    response = client.get(child_url(family.child))
    assert response.status_code == 200
    html = response.content.decode()
    assert family.child.student.full_name in html
    assert "Lớp 6A, năm học 2026-2027" in html
    assert str(family.homeroom) in html
    assert 'class="score">8,5<' in html
    # make_world: 70 periods a year → 3 regular assessments + mid-term + end of term, two subjects
    assert html.count('class="score">8,5<') == 2 * 5
    assert "Thường xuyên" in html and "Giữa kì" in html and "Cuối kì" in html
    assert "Chăm chỉ, cần cẩn thận hơn" in html
    # Averages and classifications wait for the principal's approval.
    assert "Điểm trung bình môn: chưa công bố" in html
    assert "chưa công bố" in html
    assert "Tốt" not in html


def test_student_sees_himself(client, family):
    score_class(family.class_a, 1, "6")
    client.force_login(family.pupil)
    assert client.get(reverse("portal:home"))["Location"] == child_url(family.child)
    response = client.get(child_url(family.child))
    assert response.status_code == 200
    assert 'class="score">6,0<' in response.content.decode()


def test_nothing_about_other_students(client, family):
    """P-PUB-1: public to the student and his parents, never to other students; no class average."""
    score_class(family.class_a, 1, "7")
    client.force_login(family.parent)
    html = client.get(child_url(family.child)).content.decode()
    others = Enrolment.objects.filter(class_group=family.class_a).exclude(pk=family.child.pk).select_related("student")
    for enrolment in others:
        assert enrolment.student.given_name not in html.replace(family.child.student.given_name, "")
    assert "xếp hạng" not in html.lower() and "trung bình lớp" not in html.lower()


def test_parent_of_two_children_chooses(client, family):
    account_services.role_grant(user=family.parent, role=Role.PARENT, student=family.other.student)
    client.force_login(family.parent)
    response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert child_url(family.child) in html and child_url(family.other) in html
    page = client.get(child_url(family.other)).content.decode()
    assert "Lớp 6B" in page
    assert f'href="{child_url(family.child)}"' in page  # the switch between the children


def test_results_appear_only_once_approved(client, family):
    score_class(family.class_a, 1, "7,5")
    client.force_login(family.parent)
    before = client.get(child_url(family.child)).content.decode()
    assert "<strong>7,5</strong>" not in before
    approve_term1(family.world, family.class_a)
    after = client.get(child_url(family.child)).content.decode()
    term1, term2 = after.split('id="term-2"')
    assert "<strong>7,5</strong>" in term1  # the subject averages of term I
    assert "Điểm trung bình môn: chưa công bố" not in term1.split('id="term-1"')[1]
    assert "Học kì này chưa có điểm nào." in term2
    score_class(family.class_a, 2, "9")
    term2 = client.get(child_url(family.child)).content.decode().split('id="term-2"')[1].split("</section>")[0]
    assert 'class="score">9,0<' in term2
    assert "Điểm trung bình môn: chưa công bố" in term2 and "Trung bình môn" not in term2  # not approved
    result = StudentResult.objects.get(enrolment=family.child, period=TERM1)
    assert result.learning and f"<strong>{result.learning}</strong>" in after
    assert "<strong>Tốt</strong>" in after  # conduct of term I


def test_attendance_per_month(client, family):
    attendance_record_many(
        class_group=family.class_a,
        changes=[
            CellChange(family.child.pk, date(2026, 10, 5), "all", "P", 0),
            CellChange(family.child.pk, date(2026, 10, 6), "all", "K", 0),
            CellChange(family.child.pk, date(2026, 10, 7), "all", "M", 0),
            CellChange(family.child.pk, date(2026, 11, 2), "all", "P", 0),
            CellChange(family.classmate.pk, date(2026, 11, 3), "all", "K", 0),
        ],
        actor=family.homeroom,
        reason="test",
        today=LATE_DAY,
    )
    client.force_login(family.parent)
    response = client.get(child_url(family.child))
    rows = {row.month: row.totals for row in response.context["page"].attendance if row.year == 2026}
    assert (rows[10].excused, rows[10].unexcused, rows[10].late) == (1, 1, 1)
    assert (rows[11].excused, rows[11].unexcused, rows[11].late) == (1, 0, 0)  # not the classmate's K
    total = response.context["page"].attendance_total
    assert (total.excused, total.unexcused, total.late) == (2, 1, 1)
    assert "Tháng 10/2026" in response.content.decode()


def test_previous_years_show_approved_year_results_only(client, family):
    school = family.world.school
    old_year = make_year(school, start_year=2025, current=False)
    old_class = school_services.class_group_create(school_year=old_year, grade_level=6, name="6C")
    Enrolment.objects.create(
        student=family.child.student, class_group=old_class, school_year=old_year, enrolled_on=old_year.start_date
    )
    client.force_login(family.parent)
    html = client.get(child_url(family.child)).content.decode()
    assert "2025-2026" in html and "6C" in html
    assert "Khá" not in html
    batch = ResultBatch.objects.create(
        class_group=old_class,
        period=YEAR,
        status=ResultBatch.Status.APPROVED,
        rule_set_code="tt22_2021",
        rule_set_version="1",
        computed_at=timezone.now(),
        computed_by=family.homeroom,
    )
    StudentResult.objects.create(
        batch=batch,
        enrolment=Enrolment.objects.get(class_group=old_class),
        period=YEAR,
        rule_set_code="tt22_2021",
        rule_set_version="1",
        learning="Khá",
        conduct="Tốt",
        outcome="PROMOTED",
        computed_at=timezone.now(),
        computed_by=family.homeroom,
    )
    html = client.get(child_url(family.child)).content.decode()
    assert "<td>Khá</td><td>Tốt</td>" in html
    assert "Được lên lớp" in html
    batch.status = ResultBatch.Status.PROPOSED
    batch.save()
    assert "Khá" not in client.get(child_url(family.child)).content.decode()


# --- boundaries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["classmate_parent", "other_class_parent", "homeroom", "teacher", "principal", "admin", "office"]
)
def test_outsiders_cannot_see_the_childs_page(client, family, who):
    people = {
        "classmate_parent": family.classmate_parent,
        "other_class_parent": make_user(family.world.school, Role.PARENT, student=family.other.student),
        "homeroom": family.homeroom,
        "teacher": family.world.users["teacher"],
        "principal": family.world.users[Role.PRINCIPAL],
        "admin": family.world.users[Role.ADMIN_BOARD],
        "office": family.world.users[Role.OFFICE],
    }
    client.force_login(people[who])
    assert client.get(child_url(family.child)).status_code == 404


def test_student_cannot_see_a_classmate(client, family):
    client.force_login(family.pupil)
    assert client.get(child_url(family.classmate)).status_code == 404
    assert client.get(reverse("portal:child", args=[999999])).status_code == 404


def test_portal_home_refuses_staff_and_anonymous(client, family):
    client.force_login(family.world.users["teacher"])
    assert client.get(reverse("portal:home")).status_code == 403
    client.logout()
    response = client.get(child_url(family.child))
    assert response.status_code == 302 and response["Location"].startswith("/tai-khoan/dang-nhap/")


def test_portal_pages_are_read_only(client, family):
    client.force_login(family.parent)
    assert client.post(child_url(family.child)).status_code == 405
    assert client.post(reverse("portal:home")).status_code == 405


# --- messages ----------------------------------------------------------------------------------


def test_homeroom_teacher_sends_a_class_message(client, family):
    client.force_login(family.homeroom)
    url = reverse("portal:class_messages", args=[family.class_a.pk])
    response = client.post(url, {"student": "", "title": " Họp phụ huynh ", "body": "Kính mời\r\nphụ huynh"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.title, message.body, message.student, message.author) == (
        "Họp phụ huynh",
        "Kính mời\nphụ huynh",
        None,
        family.homeroom,
    )
    history = message.history.get()
    assert history.history_user == family.homeroom
    page = client.get(url).content.decode()
    assert "Họp phụ huynh" in page
    assert "đã đọc 0/3" in page  # parent, student and the classmate's parent


def test_recipients_read_and_the_teacher_sees_it(client, family):
    message = send(family)
    client.force_login(family.parent)
    page = client.get(child_url(family.child)).content.decode()
    assert "Họp phụ huynh" in page and "1 tin mới" in page
    response = client.get(reverse("portal:message", args=[message.pk]))
    assert response.status_code == 200
    assert "Kính mời phụ huynh dự họp lúc 8 giờ." in response.content.decode()
    first = MessageRead.objects.get(message=message, user=family.parent)
    client.get(reverse("portal:message", args=[message.pk]))
    assert MessageRead.objects.get(message=message, user=family.parent).read_at == first.read_at  # first time kept
    assert "1 tin mới" not in client.get(child_url(family.child)).content.decode()
    client.force_login(family.classmate_parent)
    assert client.get(reverse("portal:message", args=[message.pk])).status_code == 200
    client.force_login(family.homeroom)
    page = client.get(reverse("portal:class_messages", args=[family.class_a.pk])).content.decode()
    assert "đã đọc 2/3" in page
    receipts = client.get(reverse("portal:message", args=[message.pk])).content.decode()
    assert "Đã đọc 2/3" in receipts and str(family.parent) in receipts
    assert MessageRead.objects.filter(user=family.homeroom).count() == 0  # the author reading is no receipt


def test_message_to_one_student_reaches_only_his_parents(client, family):
    message = send(family, student=family.child.student, title="Về việc đi muộn")
    client.force_login(family.classmate_parent)
    assert client.get(reverse("portal:message", args=[message.pk])).status_code == 404
    assert "Về việc đi muộn" not in client.get(child_url(family.classmate)).content.decode()
    client.force_login(family.parent)
    assert "Về việc đi muộn" in client.get(child_url(family.child)).content.decode()
    client.force_login(family.homeroom)
    assert "đã đọc 0/2" in client.get(reverse("portal:class_messages", args=[family.class_a.pk])).content.decode()


def test_other_class_cannot_read_the_message(client, family):
    message = send(family)
    other_parent = make_user(family.world.school, Role.PARENT, student=family.other.student)
    other_homeroom = family.world.classes[1].homeroom_assignments.get().teacher
    for person in (other_parent, other_homeroom, family.world.users["teacher"], family.world.users[Role.OFFICE]):
        client.force_login(person)
        assert client.get(reverse("portal:message", args=[message.pk])).status_code == 404
    assert not MessageRead.objects.exists()


def test_principal_reads_but_does_not_write(client, family):
    message = send(family)
    client.force_login(family.world.users[Role.PRINCIPAL])
    url = reverse("portal:class_messages", args=[family.class_a.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Họp phụ huynh" in page.content.decode()
    assert 'name="body"' not in page.content.decode()
    assert client.post(url, {"title": "x", "body": "y"}).status_code == 403
    assert client.get(reverse("portal:message", args=[message.pk])).status_code == 200
    assert Message.objects.count() == 1 and not MessageRead.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "parent", "other_homeroom", "office"])
def test_only_the_homeroom_teacher_writes(client, family, who):
    people = {
        "teacher": family.world.users["teacher"],  # teaches 6A, is not its homeroom teacher: 403
        "parent": family.parent,
        "other_homeroom": family.world.classes[1].homeroom_assignments.get().teacher,
        "office": family.world.users[Role.OFFICE],
    }
    client.force_login(people[who])
    url = reverse("portal:class_messages", args=[family.class_a.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"student": "", "title": "Tiêu đề", "body": "Nội dung"}).status_code in (403, 404)
    assert not Message.objects.exists()


def test_teacher_of_the_class_gets_403_and_parent_404(client, family):
    url = reverse("portal:class_messages", args=[family.class_a.pk])
    client.force_login(family.world.users["teacher"])
    assert client.get(url).status_code == 403
    client.force_login(family.parent)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"title": "", "body": "Nội dung"}, "title", "Hãy nhập tiêu đề."),
        ({"title": "Tiêu đề", "body": "   "}, "body", "Hãy nhập nội dung tin nhắn."),
        ({"title": "T" * 151, "body": "Nội dung"}, "title", "Tiêu đề dài 151 kí tự; tối đa 150 kí tự."),
        ({"title": "Tiêu đề", "body": "x" * 4001}, "body", "Tin nhắn dài 4001 kí tự; tối đa 4000 kí tự."),
    ],
)
def test_bad_messages_are_refused_in_vietnamese(client, family, data, field, error):
    client.force_login(family.homeroom)
    response = client.post(reverse("portal:class_messages", args=[family.class_a.pk]), {"student": "", **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Message.objects.exists()


def test_a_student_of_another_class_is_refused(client, family):
    client.force_login(family.homeroom)
    response = client.post(
        reverse("portal:class_messages", args=[family.class_a.pk]),
        {"student": family.other.student_id, "title": "Tiêu đề", "body": "Nội dung"},
    )
    assert response.status_code == 400
    assert "Học sinh này không thuộc lớp." in response.content.decode()
    assert not Message.objects.exists()


def test_message_body_is_plain_text(client, family):
    message = send(family, title="<b>Chú ý</b>", body='<script>alert("x")</script>\nDòng hai')
    client.force_login(family.parent)
    html = client.get(reverse("portal:message", args=[message.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;Chú ý&lt;/b&gt;" in html


def test_service_refuses_a_student_who_left(family):
    from django.core.exceptions import ValidationError

    Enrolment.objects.filter(pk=family.child.pk).update(
        status=Enrolment.Status.TRANSFERRED_OUT, left_on=date(2026, 10, 1)
    )
    with pytest.raises(ValidationError) as refused:
        send(family, student=family.child.student)
    assert "Học sinh này không thuộc lớp." in str(refused.value)


# --- menu --------------------------------------------------------------------------------------


def test_menu_entries(client, family):
    client.force_login(family.parent)
    assert f'href="{reverse("portal:home")}"' in client.get(reverse("home")).content.decode()
    client.force_login(family.homeroom)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("portal:messages_index")}"' in html and "Tin nhắn phụ huynh" in html
    assert client.get(reverse("portal:messages_index"))["Location"] == reverse(
        "portal:class_messages", args=[family.class_a.pk]
    )
    client.force_login(family.world.users[Role.PRINCIPAL])
    index = client.get(reverse("portal:messages_index"))
    assert index.status_code == 200 and "6A" in index.content.decode() and "6B" in index.content.decode()


# --- queries ----------------------------------------------------------------------------------


def _prepare(client, subjects: int, messages: int) -> str:
    family = make_family_world(subjects=subjects, students=3)
    score_class(family.class_a, 1, "8", comment="Tốt")
    score_class(family.class_a, 2, "9")
    approve_term1(family.world, family.class_a)
    for i in range(messages):
        send(family, title=f"Tin {i}")
    client.force_login(family.parent)
    url = child_url(family.child)
    client.get(url)  # warm the session
    return url


def test_childs_page_queries_do_not_grow_with_subjects_and_scores(client, django_assert_num_queries):
    url = _prepare(client, subjects=2, messages=1)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    count = len(small)  # read now: the query log is a bounded deque
    assert response.content.decode().count('class="score">') == 2 * 5 * 2
    url = _prepare(client, subjects=7, messages=6)
    with django_assert_num_queries(count):
        response = client.get(url)
    assert response.content.decode().count('class="score">') == 7 * 5 * 2
    assert count <= 20
