"""Every page and action of the corrections app against every role: allowed people succeed and the
database shows it; outsiders get 404, readers 403, wrong methods 405; ids changed in the request
are refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from corrections import services
from corrections.models import Correction, CorrectionLine, CorrectionPolicy, Evidence, LateCorrectionPermit
from grades.models import ScoreCell
from schools.models import BookLock
from tests.corrections.conftest import PDF_BYTES, approved, draft, enter_scores, lock, make_book, pdf_upload
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    book = make_book(classes=2)
    enter_scores(book, {(0, "regular_1"): "7", (1, "regular_1"): "8"})
    lock(book)
    return book


@pytest.fixture
def people(book):
    world = book.world
    other_class_subject = book.cs.class_group.class_subjects.exclude(pk=book.cs.pk).first()
    other_teacher = other_class_subject.assignments.get().teacher
    other = make_book()
    return {
        "teacher": book.teacher,
        "principal": book.principal,
        "vice_principal": world.users[Role.VICE_PRINCIPAL],
        "admin": book.admin,
        "office": world.users[Role.OFFICE],
        "homeroom": book.homeroom,
        "other_teacher": other_teacher,
        "other_school_principal": other.principal,
        "other_school_admin": other.admin,
        "parent": make_user(world.school, Role.PARENT, student=book.enrolments[0].student),
        "supervisor": make_user(None, Role.SUPERVISOR, district=world.school.district),
    }


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def post(client, user, url, data=None, **kw):
    client.force_login(user)
    return client.post(url, data or {}, **kw)


# --- locks ---------------------------------------------------------------------------------------

LOCKS_PAGE = {
    "principal": 200,
    "vice_principal": 200,
    "admin": 200,
    "teacher": 403,
    "homeroom": 403,
    "office": 403,
    "parent": 403,
    "supervisor": 404,
}


@pytest.mark.parametrize(("who", "status"), LOCKS_PAGE.items())
def test_the_locks_page(client, people, who, status):
    response = get(client, people[who], reverse("corrections:locks"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Khóa sổ sau hạn nhập điểm" in body and "Đang có hiệu lực" in body
        assert ('id="lock-form"' in body) == (who == "principal")


def test_anonymous_visitors_go_to_the_login_page(client):
    response = client.get(reverse("corrections:locks"))
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def _decision(book, **extra):
    data = {
        "action": "lock",
        "scope": str(BookLock.Scope.CLASS),
        "term": str(book.term.pk),
        "class_group": str(book.world.classes[1].pk),
        "column": "",
        "when": "now",
        "reason": "Khóa sổ lớp 6B",
        "decision_reference": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("who", "status"), [("principal", 302), ("admin", 403), ("vice_principal", 403), ("teacher", 403)]
)
def test_recording_a_decision(client, book, people, who, status):
    before = BookLock.objects.count()
    response = post(client, people[who], reverse("corrections:lock_decide"), _decision(book))
    assert response.status_code == status
    assert BookLock.objects.count() == before + (1 if status == 302 else 0)
    if status == 302:
        row = BookLock.objects.latest("pk")
        assert row.class_group == book.world.classes[1] and row.executed_at is None
        assert row.decided_by == book.principal


def test_the_lock_page_decides_on_the_summer_results(client, book, people):
    before = BookLock.objects.count()
    extra = {"term": "year", "column": "summer", "class_group": str(book.cs.class_group.pk)}
    response = post(client, people["principal"], reverse("corrections:lock_decide"), _decision(book, **extra))
    assert response.status_code == 302
    assert list(BookLock.objects.filter(term=None).values_list("column", flat=True)) == ["summer"]
    assert BookLock.objects.count() == before + 1  # the terms are not locked with the summer results
    response = post(client, people["principal"], reverse("corrections:lock_decide"), _decision(book, column="summer"))
    assert response.status_code == 400
    assert "Kết quả sau hè thuộc về cả năm" in response.content.decode()
    assert BookLock.objects.count() == before + 1


def test_a_bad_decision_is_shown_again_with_its_message(client, book, people):
    before = BookLock.objects.count()
    response = post(client, people["principal"], reverse("corrections:lock_decide"), _decision(book, action="unlock"))
    assert response.status_code == 400
    assert "Mở sổ phải có thời điểm kết thúc" in response.content.decode()
    assert BookLock.objects.count() == before


def test_a_decision_at_the_entry_deadline(client, book, people):
    book.term.regular_entry_deadline = timezone.localdate() + timedelta(days=5)
    book.term.save()
    response = post(client, people["principal"], reverse("corrections:lock_decide"), _decision(book, when="deadline"))
    assert response.status_code == 302
    row = BookLock.objects.latest("pk")
    assert timezone.localtime(row.starts_at).date() == book.term.regular_entry_deadline + timedelta(days=1)


def test_the_decision_form_refuses_a_class_of_another_school(client, book, people):
    other = make_book()
    response = post(
        client,
        people["principal"],
        reverse("corrections:lock_decide"),
        _decision(book, class_group=str(other.world.classes[0].pk)),
    )
    assert response.status_code == 400
    assert not BookLock.objects.filter(class_group=other.world.classes[0]).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 302), ("principal", 403), ("teacher", 403), ("other_school_admin", 404)],
)
def test_carrying_out_a_decision(client, book, people, who, status):
    rows = services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action="lock",
        scope=BookLock.Scope.CLASS,
        class_group=book.world.classes[1],
        term=book.term,
        reason="Khóa lớp 6B",
    )
    url = reverse("corrections:lock_execute", args=[rows[0].pk])
    response = post(client, people[who], url)
    assert response.status_code == status
    rows[0].refresh_from_db()
    assert (rows[0].executed_by == people[who]) == (status == 302)


@pytest.mark.parametrize(("who", "status"), [("principal", 302), ("admin", 403), ("other_school_principal", 404)])
def test_withdrawing_a_decision(client, book, people, who, status):
    rows = services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action="lock",
        scope=BookLock.Scope.SCHOOL,
        term=book.term,
        reason="Khóa",
        starts_at=timezone.now() + timedelta(days=1),
    )
    response = post(
        client, people[who], reverse("corrections:lock_withdraw", args=[rows[0].pk]), {"withdraw-reason": "Nhầm"}
    )
    assert response.status_code == status
    assert BookLock.objects.filter(pk=rows[0].pk).exists() == (status != 302)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("lock_decide", []),
        ("lock_execute", [1]),
        ("lock_withdraw", [1]),
        ("line_add", [1]),
        ("line_remove", [1, 1]),
        ("evidence_add", [1]),
        ("evidence_remove", [1, 1]),
        ("minutes_submit", [1]),
        ("minutes_homeroom", [1]),
        ("minutes_decide", [1]),
        ("minutes_confirm", [1]),
        ("minutes_sign", [1]),
        ("minutes_archive", [1]),
        ("minutes_withdraw", [1]),
    ],
)
def test_actions_refuse_get(client, people, name, args):
    response = get(client, people["principal"], reverse(f"corrections:{name}", args=args))
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("name", "args"),
    [("minutes", [1]), ("evidence_download", [1, 1]), ("minutes_pdf", [1]), ("audit_export", [])],
)
def test_downloads_and_pages_refuse_post(client, people, name, args):
    response = post(client, people["principal"], reverse(f"corrections:{name}", args=args))
    assert response.status_code == 405


@pytest.mark.parametrize("name", ["locks", "minutes_list", "audit", "signals"])
def test_pages_refuse_post(client, people, name):
    response = post(client, people["principal"], reverse(f"corrections:{name}"))
    assert response.status_code == 405


# --- permits and settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [("principal", 302), ("admin", 403), ("vice_principal", 403), ("teacher", 403)]
)
def test_granting_a_late_permit(client, book, people, who, status):
    data = {
        "term": str(book.term.pk),
        "class_group": str(book.cs.class_group.pk),
        "class_subject": str(book.cs.pk),
        "valid_until": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "reason": "Phúc khảo",
    }
    response = post(client, people[who], reverse("corrections:permits"), data)
    assert response.status_code == status
    assert LateCorrectionPermit.objects.filter(reason="Phúc khảo").exists() == (status == 302)


def test_the_permits_page_lists_the_deadlines(client, book, people):
    book.term.final_test_date = timezone.localdate() + timedelta(days=20)
    book.term.save()
    body = get(client, people["principal"], reverse("corrections:permits")).content.decode()
    deadline = (book.term.final_test_date - timedelta(days=7)).strftime("%d/%m/%Y")
    assert f"nhận biên bản đến hết ngày {deadline}" in body


@pytest.mark.parametrize(("who", "status"), [("principal", 302), ("admin", 403), ("teacher", 403)])
def test_changing_the_policy(client, book, people, who, status):
    data = {"window_days_before_final": "10", "many_changes_threshold": "4", "reason": "Quy chế 2026"}
    response = post(client, people[who], reverse("corrections:policy"), data)
    assert response.status_code == status
    policy = CorrectionPolicy.objects.filter(school=book.world.school).first()
    if status == 302:
        assert policy.window_days_before_final == 10 and policy.homeroom_confirms is False
    else:
        assert policy is None


# --- minutes: who sees them ------------------------------------------------------------------------

DRAFT_VISIBLE = {"teacher"}
SUBMITTED_VISIBLE = {"teacher", "principal", "admin", "homeroom"}
EVERYONE = [
    "teacher",
    "principal",
    "vice_principal",
    "admin",
    "office",
    "homeroom",
    "other_teacher",
    "other_school_principal",
    "parent",
    "supervisor",
]


@pytest.mark.parametrize("who", EVERYONE)
def test_a_draft_is_seen_by_its_teacher_only(client, book, people, who):
    correction = draft(book)
    evidence = correction.evidence.get()
    urls = [
        reverse("corrections:minutes", args=[correction.pk]),
        reverse("corrections:evidence_download", args=[correction.pk, evidence.pk]),
        reverse("corrections:minutes_pdf", args=[correction.pk]),
    ]
    for url in urls:
        response = get(client, people[who], url)
        assert response.status_code == (200 if who in DRAFT_VISIBLE else 404), url


@pytest.mark.parametrize("who", EVERYONE)
def test_submitted_minutes_and_their_evidence_are_seen_by_the_people_named_only(client, book, people, who):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    evidence = correction.evidence.get()
    allowed = who in SUBMITTED_VISIBLE
    response = get(client, people[who], reverse("corrections:minutes", args=[correction.pk]))
    assert response.status_code == (200 if allowed else 404)
    response = get(client, people[who], reverse("corrections:evidence_download", args=[correction.pk, evidence.pk]))
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF_BYTES


def test_evidence_of_other_minutes_cannot_be_reached_through_these(client, book, people):
    mine = services.correction_submit(actor=book.teacher, correction=draft(book))
    other = make_book()
    enter_scores(other, {(0, "regular_1"): "7"})
    lock(other)
    theirs = draft(other)
    url = reverse("corrections:evidence_download", args=[mine.pk, theirs.evidence.get().pk])
    assert get(client, people["teacher"], url).status_code == 404
    assert get(client, people["principal"], url).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 200),
        ("principal", 200),
        ("admin", 200),
        ("homeroom", 200),
        ("vice_principal", 403),
        ("office", 403),
        ("parent", 403),
        ("supervisor", 404),
    ],
)
def test_the_list_of_minutes(client, book, people, who, status):
    services.correction_submit(actor=book.teacher, correction=draft(book))
    draft(book, [(1, "regular_1", "9")])
    response = get(client, people[who], reverse("corrections:minutes_list"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "01/BB-SĐ 2026-2027" in body
        assert ("Biên bản nháp" in body) == (who == "teacher")


# --- minutes: the teacher's steps ---------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("teacher", 200), ("principal", 403), ("admin", 403), ("office", 403)])
def test_the_new_minutes_page(client, people, who, status):
    assert get(client, people[who], reverse("corrections:minutes_new")).status_code == status


def test_creating_minutes(client, book, people):
    response = post(
        client,
        people["teacher"],
        reverse("corrections:minutes_new"),
        {"target": f"cs:{book.cs.pk}", "term": str(book.term.pk), "place": "Phòng hội đồng"},
    )
    correction = Correction.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("corrections:minutes", args=[correction.pk])
    assert correction.requested_by == book.teacher and correction.class_subject == book.cs


def test_creating_minutes_for_a_subject_one_does_not_teach_is_refused(client, book, people):
    other_cs = book.cs.class_group.class_subjects.exclude(pk=book.cs.pk).first()
    response = post(
        client,
        people["teacher"],
        reverse("corrections:minutes_new"),
        {"target": f"cs:{other_cs.pk}", "term": str(book.term.pk)},
    )
    assert response.status_code == 400
    assert not Correction.objects.exists()


def _line(book, index=0, **extra):
    data = {
        "enrolment": str(book.enrolments[index].pk),
        "column": "regular_1",
        "new_value": "9,5",
        "reason_code": "entry_error",
        "reason_text": "Nhập nhầm",
    }
    data.update(extra)
    return data


def test_adding_a_line(client, book, people):
    correction = draft(book, [], evidence=False)
    url = reverse("corrections:line_add", args=[correction.pk])
    response = post(client, people["teacher"], url, _line(book))
    assert response.status_code == 302
    line = CorrectionLine.objects.get()
    assert (line.old_value, line.new_value) == ("7,0", "9,5")


def test_a_bad_line_is_shown_again_with_its_message(client, book, people):
    correction = draft(book, [], evidence=False)
    url = reverse("corrections:line_add", args=[correction.pk])
    response = post(client, people["teacher"], url, _line(book, new_value="9,25"))
    assert response.status_code == 400
    assert "Ý thầy/cô là 9,3?" in response.content.decode()
    assert not CorrectionLine.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("principal", 404), ("other_teacher", 404), ("homeroom", 404)])
def test_only_the_teacher_adds_lines(client, book, people, who, status):
    correction = draft(book, [], evidence=False)
    response = post(client, people[who], reverse("corrections:line_add", args=[correction.pk]), _line(book))
    assert response.status_code == status
    assert not CorrectionLine.objects.exists()


def test_a_student_of_another_class_cannot_be_slipped_into_the_minutes(client, book, people):
    from schools.models import Enrolment

    correction = draft(book, [], evidence=False)
    stranger = Enrolment.objects.filter(class_group=book.world.classes[1]).first()
    response = post(
        client,
        people["teacher"],
        reverse("corrections:line_add", args=[correction.pk]),
        _line(book, enrolment=str(stranger.pk)),
    )
    assert response.status_code == 400
    assert not CorrectionLine.objects.exists()


def test_a_line_of_other_minutes_cannot_be_removed_through_these(client, book, people):
    mine = draft(book, [], evidence=False)
    theirs = draft(book, [(1, "regular_1", "9")], evidence=False)
    line = theirs.lines.get()
    response = post(client, people["teacher"], reverse("corrections:line_remove", args=[mine.pk, line.pk]))
    assert response.status_code == 404
    assert CorrectionLine.objects.filter(pk=line.pk).exists()
    response = post(client, people["teacher"], reverse("corrections:line_remove", args=[theirs.pk, line.pk]))
    assert response.status_code == 302 and not CorrectionLine.objects.filter(pk=line.pk).exists()


def test_attaching_evidence(client, book, people):
    correction = draft(book, evidence=False)
    url = reverse("corrections:evidence_add", args=[correction.pk])
    response = post(client, people["teacher"], url, {"kind": "teacher_book", "file": pdf_upload()})
    assert response.status_code == 302 and correction.evidence.count() == 1
    fake = pdf_upload("anh.jpg", b"GIF89a not a photo")
    response = post(client, people["teacher"], url, {"kind": "student_work", "file": fake})
    assert response.status_code == 400
    assert "Chỉ nhận tệp PDF, JPEG hoặc PNG" in response.content.decode()
    assert correction.evidence.count() == 1
    evidence = correction.evidence.get()
    response = post(
        client, people["principal"], reverse("corrections:evidence_remove", args=[correction.pk, evidence.pk])
    )
    assert response.status_code == 404 and Evidence.objects.count() == 1


@pytest.mark.parametrize("who", ["principal", "admin", "homeroom"])
def test_readers_of_submitted_minutes_cannot_add_lines_or_evidence(client, book, people, who):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    response = post(client, people[who], reverse("corrections:line_add", args=[correction.pk]), _line(book, index=1))
    assert response.status_code == 403
    url = reverse("corrections:evidence_add", args=[correction.pk])
    response = post(client, people[who], url, {"kind": "other", "file": pdf_upload()})
    assert response.status_code == 403
    assert correction.lines.count() == 1 and correction.evidence.count() == 1


def test_submitting(client, book, people):
    correction = draft(book)
    url = reverse("corrections:minutes_submit", args=[correction.pk])
    assert post(client, people["principal"], url).status_code == 404
    response = post(client, people["teacher"], url, follow=True)
    assert "Đã trình biên bản" in response.content.decode()
    assert Correction.objects.get().status == "submitted"


def test_a_refused_submission_says_why_and_changes_nothing(client, book, people):
    correction = draft(book, evidence=False)
    response = post(client, people["teacher"], reverse("corrections:minutes_submit", args=[correction.pk]), follow=True)
    assert "Thầy/cô cần đính kèm minh chứng" in response.content.decode()
    assert Correction.objects.get().status == "draft"


# --- minutes: homeroom, principal, admin ---------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("homeroom", 302), ("teacher", 403), ("principal", 403)])
def test_the_homeroom_step(client, book, people, who, status):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    url = reverse("corrections:minutes_homeroom", args=[correction.pk])
    response = post(client, people[who], url, {"decision": "confirm", "comment": ""})
    assert response.status_code == status
    assert Correction.objects.get().status == ("pending" if status == 302 else "submitted")


def _pending(book):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    return services.correction_homeroom_review(actor=book.homeroom, correction=correction, confirm=True)


@pytest.mark.parametrize(
    ("who", "status"), [("principal", 302), ("admin", 403), ("vice_principal", 404), ("other_school_principal", 404)]
)
def test_approving(client, book, people, who, status):
    correction = _pending(book)
    url = reverse("corrections:minutes_decide", args=[correction.pk])
    response = post(client, people[who], url, {"decision": "approve", "comment": "Đồng ý"})
    assert response.status_code == status
    assert Correction.objects.get().status == ("approved" if status == 302 else "pending")


def test_rejecting_needs_a_comment(client, book, people):
    correction = _pending(book)
    url = reverse("corrections:minutes_decide", args=[correction.pk])
    response = post(client, people["principal"], url, {"decision": "reject", "comment": ""}, follow=True)
    assert "Ghi lí do không duyệt biên bản" in response.content.decode()
    assert Correction.objects.get().status == "pending"
    post(client, people["principal"], url, {"decision": "reject", "comment": "Thiếu bài kiểm tra"})
    assert Correction.objects.get().status == "rejected"


def test_carrying_out_and_signing_through_the_pages(client, book, people):
    correction = approved(book)
    confirm = reverse("corrections:minutes_confirm", args=[correction.pk])
    assert post(client, people["principal"], confirm).status_code == 403
    assert post(client, people["teacher"], confirm).status_code == 302
    assert post(client, people["admin"], confirm).status_code == 302
    assert ScoreCell.objects.get(enrolment=book.enrolments[0], column="regular_1").display == "9,0"
    sign = reverse("corrections:minutes_sign", args=[correction.pk])
    assert post(client, people["teacher"], sign, {"sign_as": "admin"}).status_code == 403
    for who, role in (("teacher", "teacher"), ("admin", "admin"), ("principal", "principal")):
        assert post(client, people[who], sign, {"sign_as": role}).status_code == 302
    assert Correction.objects.get().status == "signed"
    archive = reverse("corrections:minutes_archive", args=[correction.pk])
    assert post(client, people["teacher"], archive).status_code == 403
    assert post(client, people["admin"], archive).status_code == 302
    assert Correction.objects.get().status == "archived"


def test_withdrawing_minutes(client, book, people):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    url = reverse("corrections:minutes_withdraw", args=[correction.pk])
    assert post(client, people["principal"], url, {"reason": "x"}).status_code == 403
    assert post(client, people["teacher"], url, {"reason": "Nhầm học sinh"}).status_code == 302
    assert Correction.objects.get().status == "withdrawn"


def test_the_detail_page_shows_each_person_their_next_step(client, book, people):
    correction = approved(book)
    body = get(client, people["admin"], reverse("corrections:minutes", args=[correction.pk])).content.decode()
    assert "Quản trị xác nhận và thực hiện sửa" in body
    body = get(client, people["principal"], reverse("corrections:minutes", args=[correction.pk])).content.decode()
    assert "Thầy/cô không có việc cần làm ở bước này" in body
    assert "7,0" in body and "9,0" in body


def test_the_detail_page_warns_when_a_cell_moved(client, book, people):
    correction = approved(book)
    BookLock.objects.all().delete()
    enter_scores(book, {(0, "regular_1"): "6"})
    body = get(client, people["teacher"], reverse("corrections:minutes", args=[correction.pk])).content.decode()
    assert "Một số ô đã thay đổi sau khi biên bản ghi nhận" in body and "hiện là: 6,0" in body


def _count(client, user, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_minutes_pages_cost_the_same_whatever_the_number_of_lines(client):
    counts = []
    for students in (2, 12):
        book = make_book(students=students)
        enter_scores(book, {(i, "regular_1"): "7" for i in range(students)})
        lock(book)
        correction = draft(book, [(i, "regular_1", "8") for i in range(students)])
        counts.append(
            (
                _count(client, book.teacher, reverse("corrections:minutes", args=[correction.pk])),
                _count(client, book.teacher, reverse("corrections:minutes_list")),
            )
        )
    assert counts[0] == counts[1]


def test_the_locks_page_costs_the_same_whatever_the_number_of_decisions(client):
    counts = []
    for decisions in (1, 8):
        book = make_book(classes=1)
        for _ in range(decisions):
            lock(book)
        counts.append(_count(client, book.principal, reverse("corrections:locks")))
    assert counts[0] == counts[1]


def test_the_pdf_is_served_inline_to_the_people_named(client, book, people):
    correction = services.correction_submit(actor=book.teacher, correction=draft(book))
    response = get(client, people["principal"], reverse("corrections:minutes_pdf", args=[correction.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        get(client, people["vice_principal"], reverse("corrections:minutes_pdf", args=[correction.pk])).status_code
        == 404
    )


def test_an_evidence_file_missing_on_disk_is_404(client, book, people):
    correction = draft(book)
    evidence = correction.evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    url = reverse("corrections:evidence_download", args=[correction.pk, evidence.pk])
    assert get(client, people["teacher"], url).status_code == 404


def test_the_homeroom_teacher_draws_up_attendance_minutes_through_the_pages(client, book, people):
    from attendance.selectors import attendance_days
    from attendance.services import CellChange, attendance_record_many

    class_group = book.cs.class_group
    day = attendance_days(class_group, book.term.start_date, book.term.end_date, [book.term])[0]
    attendance_record_many(
        class_group=class_group, changes=[CellChange(book.enrolments[0].pk, day, "all", "K", 0)], actor=book.homeroom
    )
    lock(book, scope=BookLock.Scope.CLASS, class_group=class_group, column="attendance")
    page = get(client, people["homeroom"], reverse("corrections:minutes_new")).content.decode()
    assert f'value="cg:{class_group.pk}:attendance"' in page
    response = post(
        client,
        people["homeroom"],
        reverse("corrections:minutes_new"),
        {"target": f"cg:{class_group.pk}:attendance", "term": str(book.term.pk)},
    )
    correction = Correction.objects.get()
    assert response.status_code == 302 and correction.kind == "attendance"
    page = get(client, people["homeroom"], reverse("corrections:minutes", args=[correction.pk])).content.decode()
    column = f"{day.isoformat()}/all"
    assert f'value="{column}"' in page and day.strftime("%d/%m/%Y") in page
    response = post(
        client,
        people["homeroom"],
        reverse("corrections:line_add", args=[correction.pk]),
        _line(book, column=column, new_value="P", reason_text="Có đơn xin phép của cha mẹ"),
    )
    assert response.status_code == 302
    line = CorrectionLine.objects.get()
    assert (line.old_value, line.new_value) == ("K", "P")
    page = get(client, people["homeroom"], reverse("corrections:minutes", args=[correction.pk])).content.decode()
    assert "Có đơn xin phép của cha mẹ" in page
