"""The audit trail: every change with who, when, old → new and why; searchable; scoped to what a
person may read; exported to xlsx with text cells that never become formulas."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from corrections import audit, services
from corrections.access import audit_scope_for
from tests.corrections.conftest import approved, enter_scores, lock, make_book
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(db):
    """Scores entered, pasted, locked, and one cell corrected through minutes."""
    from grades.services import REASON_PASTE, Entry, score_record_many

    book = make_book(classes=2)
    enter_scores(book, {(0, "regular_1"): "7", (1, "regular_1"): "8"})
    score_record_many(
        actor=book.teacher,
        class_subject=book.cs,
        entries=[Entry(book.enrolments[2].pk, book.term.pk, "regular_1", "5", version=0)],
        reason=REASON_PASTE,
    )
    lock(book)
    correction = approved(book)
    services.correction_confirm(actor=book.teacher, correction=correction)
    services.correction_confirm(actor=book.admin, correction=correction)
    return book


def read(user, **flt):
    return audit.read(audit_scope_for(user), audit.AuditFilter(**flt), limit=200).entries


def test_a_corrected_score_shows_who_when_old_new_and_the_minutes(trail):
    book = trail
    student = book.enrolments[0].student
    entries = read(book.principal, kinds=frozenset({"score"}), student_query=student.given_name)
    corrected = entries[0]
    assert corrected.who == book.admin.full_name and corrected.action == "sửa"
    assert ("điểm", "7,0", "9,0") in corrected.changes
    assert corrected.reason.startswith("Sửa chữa theo biên bản số 01/BB-SĐ 2026-2027")
    assert student.full_name in corrected.subject and "ĐĐGtx 1" in corrected.subject
    first = entries[-1]
    assert first.action == "tạo" and first.reason == "Nhập trên bảng điểm" and first.who == book.teacher.full_name


def test_the_reason_says_how_a_value_arrived(trail):
    entries = read(trail.principal, kinds=frozenset({"score"}))
    reasons = {e.reason for e in entries}
    assert {"Nhập trên bảng điểm", "Dán từ bảng tính"} <= reasons
    assert any(r.startswith("Sửa chữa theo biên bản số") for r in reasons)


def test_locks_corrections_and_accounts_are_in_the_trail(trail):
    book = trail
    lock_entries = read(book.principal, kinds=frozenset({"lock"}))
    assert [e.action for e in lock_entries] == ["sửa", "tạo"]
    assert lock_entries[0].who == book.admin.full_name and lock_entries[1].who == book.principal.full_name
    assert any(old == "—" and new == book.admin.full_name for _label, old, new in lock_entries[0].changes)
    minutes = read(book.principal, kinds=frozenset({"correction"}))
    assert any("01/BB-SĐ 2026-2027" in e.subject for e in minutes)
    accounts = read(book.principal, kinds=frozenset({"account"}))
    assert any(book.teacher.full_name in e.subject for e in accounts)


def test_search_by_class_subject_user_and_date(trail):
    book = trail
    principal = book.principal
    assert read(principal, class_id=book.world.classes[1].pk, kinds=frozenset({"score"})) == []
    assert len(read(principal, class_id=book.cs.class_group.pk, kinds=frozenset({"score"}))) == 4
    other_subject = book.world.subjects[1] if book.cs.subject == book.world.subjects[0] else book.world.subjects[0]
    assert read(principal, subject_id=other_subject.pk, kinds=frozenset({"score"})) == []
    assert {e.who for e in read(principal, user_id=book.admin.pk)} == {book.admin.full_name}
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert read(principal, date_from=tomorrow) == []
    assert len(read(principal, date_to=timezone.localdate(), kinds=frozenset({"score"}))) == 4
    assert read(principal, student_query="Không Có Ai") == []


def test_each_person_reads_their_part(trail):
    book = trail
    teacher_kinds = {e.kind for e in read(book.teacher)}
    assert teacher_kinds <= {"Điểm", "Biên bản sửa điểm", "Tài khoản và phân công"}
    assert "Khóa sổ" not in teacher_kinds
    other_cs = book.cs.class_group.class_subjects.exclude(pk=book.cs.pk).first()
    other_teacher = other_cs.assignments.get().teacher
    assert [e for e in read(other_teacher) if e.kind == "Điểm"] == []
    assert len([e for e in read(book.homeroom) if e.kind == "Điểm"]) == 4
    vice = book.world.users[Role.VICE_PRINCIPAL]
    vice_kinds = {e.kind for e in read(vice)}
    assert "Điểm" in vice_kinds and "Khóa sổ" in vice_kinds
    assert "Biên bản sửa điểm" not in vice_kinds  # the minutes are the principal's, admin's and teacher's


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("principal", 200),
        ("vice_principal", 200),
        ("admin", 200),
        ("teacher", 200),
        ("homeroom", 200),
        ("office", 403),
        ("parent", 403),
        ("supervisor", 404),
    ],
)
def test_the_audit_page(client, trail, who, status):
    book = trail
    users = {
        "principal": book.principal,
        "vice_principal": book.world.users[Role.VICE_PRINCIPAL],
        "admin": book.admin,
        "teacher": book.teacher,
        "homeroom": book.homeroom,
        "office": book.world.users[Role.OFFICE],
        "parent": make_user(book.world.school, Role.PARENT, student=book.enrolments[0].student),
        "supervisor": make_user(None, Role.SUPERVISOR, district=book.world.school.district),
    }
    client.force_login(users[who])
    response = client.get(reverse("corrections:audit"), {"kind": "score"})
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Sửa chữa theo biên bản số 01/BB-SĐ 2026-2027" in body and "7,0 → <strong>9,0</strong>" in body
        export = client.get(reverse("corrections:audit_export"), {"kind": "score"})
        assert export.status_code == 200
        assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_bad_filter_is_shown_with_its_message(client, trail):
    client.force_login(trail.principal)
    response = client.get(reverse("corrections:audit"), {"date_from": "2026-12-10", "date_to": "2026-12-01"})
    assert response.status_code == 400
    assert "Ngày kết thúc đứng trước ngày bắt đầu" in response.content.decode()


def test_the_export_keeps_text_as_text(client, trail):
    book = trail
    services.lock_decide(
        actor=book.principal,
        school_year=book.world.year,
        action="lock",
        scope=1,
        term=book.term,
        reason='=HYPERLINK("http://example.com","bấm vào đây")',
    )
    client.force_login(book.principal)
    response = client.get(reverse("corrections:audit_export"), {"kind": "lock"})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Thời điểm", "Người sửa", "Loại")
    reasons = [row[6] for row in rows[1:]]
    assert any(r and r.startswith("Quyết định") and "=HYPERLINK" in r for r in reasons)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # no formula anywhere


def _page_queries(client, user, params) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("corrections:audit"), params).status_code == 200
    return len(ctx.captured_queries)


def test_the_audit_page_costs_the_same_whatever_the_number_of_scores(client):
    counts = []
    for students in (2, 10):
        book = make_book(students=students)
        enter_scores(book, {(i, c): "7" for i in range(students) for c in ("regular_1", "regular_2", "midterm")})
        enter_scores(book, {(i, "regular_1"): "8" for i in range(students)})
        counts.append(_page_queries(client, book.principal, {"student": "An", "kind": "score"}))
    assert counts[0] == counts[1]


def test_the_audit_page_costs_the_same_whatever_the_number_of_locks(client):
    counts = []
    for decisions in (1, 6):
        book = make_book(classes=2)
        for _ in range(decisions):
            lock(book)
            lock(book, scope=3, class_group=book.world.classes[1], column="conduct")
        counts.append(_page_queries(client, book.principal, {"kind": "lock"}))
    assert counts[0] == counts[1]


def test_paging(trail):
    scope = audit_scope_for(trail.principal)
    first = audit.read(scope, audit.AuditFilter(), offset=0, limit=3)
    second = audit.read(scope, audit.AuditFilter(), offset=3, limit=3)
    assert first.has_more and len(first.entries) == 3
    assert {(e.source, e.history_id) for e in first.entries}.isdisjoint(
        {(e.source, e.history_id) for e in second.entries}
    )
    assert first.entries[0].when >= second.entries[0].when
