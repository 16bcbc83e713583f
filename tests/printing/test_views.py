"""The printing pages: who may do what (roles-and-permissions.md), what the database shows after,
and that changed ids, wrong methods and stale pages are refused with nothing stored."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from printing.models import BookRegister, Job
from schools.models import ClassSubject, TeachingAssignment
from tests.factories import make_user, make_year
from tests.printing.conftest import make_print_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(small_world):
    return small_world


@pytest.fixture
def other():
    """Another school, with its own office."""
    return make_print_world(students=1, scored=1, extras=False)


def _login(client, user):
    client.force_login(user)
    return client


def _start_class(client, world, term=None):
    url = reverse("printing:start_class_book", args=[world.class_group.pk])
    return client.post(url, {"term": (term or world.term(1)).pk})


def _done_job(client, world, django_capture_on_commit_callbacks) -> Job:
    _login(client, world.users[Role.OFFICE])
    with django_capture_on_commit_callbacks(execute=True):
        response = _start_class(client, world)
    assert response.status_code == 302
    return Job.objects.filter(school=world.school, kind=Job.Kind.CLASS_BOOK).latest("pk")


# --- the print page ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [(Role.OFFICE, 200), (Role.VICE_PRINCIPAL, 200), (Role.PRINCIPAL, 200), ("teacher", 200), (Role.ADMIN_BOARD, 403)],
)
def test_the_print_page_by_role(client, world, who, status):
    response = _login(client, world.users[who]).get(reverse("printing:index"))
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert ('id="class-books"' in text) == (who != "teacher")
        assert ('id="print-all"' in text) == (who in (Role.OFFICE, Role.VICE_PRINCIPAL))
        assert ('id="teacher-books"' in text) == (who in ("teacher", Role.OFFICE, Role.VICE_PRINCIPAL))


def test_the_print_page_needs_a_login_and_a_school(client, world):
    assert client.get(reverse("printing:index")).status_code == 302
    nobody = make_user(None)
    assert _login(client, nobody).get(reverse("printing:index")).status_code == 404
    assert client.post(reverse("printing:index")).status_code == 405


def test_the_print_page_costs_the_same_queries_for_more_classes(client):
    counts = []
    for classes in (1, 3):
        world = make_print_world(classes=classes, students=1, scored=1, extras=False)
        _login(client, world.users[Role.OFFICE])
        client.get(reverse("printing:index"))  # warm the session and the caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("printing:index")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_print_page_shows_any_year_and_one_class_of_teacher_books(client):
    world = make_print_world(classes=2, students=1, scored=1, extras=False)
    old_year = make_year(world.school, start_year=2025, current=False)
    old_term = old_year.terms.get(number=2)
    _login(client, world.users[Role.OFFICE])
    page = client.get(reverse("printing:index") + f"?hoc-ki={old_term.pk}").content.decode()
    assert "Năm học 2025-2026" in page and "Năm học chưa có lớp nào." in page
    second = world.classes[1]
    page = client.get(reverse("printing:index") + f"?hoc-ki={world.term(1).pk}&lop={second.pk}").content.decode()
    names = {a.pk: a for a in TeachingAssignment.objects.filter(class_subject__class_group__in=world.classes)}
    shown = {pk for pk in names if reverse("printing:start_teacher_book", args=[pk]) in page}
    assert shown == {pk for pk, a in names.items() if a.class_subject.class_group_id == second.pk}


# --- starting a print ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", [Role.OFFICE, Role.VICE_PRINCIPAL])
def test_office_and_vice_principal_print_a_class_book(client, world, who, django_capture_on_commit_callbacks):
    _login(client, world.users[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = _start_class(client, world)
    job = Job.objects.get(school=world.school)
    assert response.status_code == 302 and response["Location"] == reverse("printing:job", args=[job.pk])
    assert job.requested_by == world.users[who] and job.status == Job.Status.DONE
    assert job.scope == {"class_group": world.class_group.pk, "term": world.term(1).pk}


@pytest.mark.parametrize("who", [Role.PRINCIPAL, "teacher", "homeroom", Role.ADMIN_BOARD])
def test_readers_and_others_cannot_print_a_class_book(client, world, who):
    response = _login(client, world.users[who]).post(
        reverse("printing:start_class_book", args=[world.class_group.pk]), {"term": world.term(1).pk}
    )
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_another_schools_class_or_term_is_refused(client, world, other):
    _login(client, world.users[Role.OFFICE])
    response = client.post(
        reverse("printing:start_class_book", args=[other.class_group.pk]), {"term": other.term(1).pk}
    )
    assert response.status_code == 404
    response = _start_class(client, world, term=other.term(1))
    assert response.status_code == 400 and "Hãy chọn một học kì của năm học này." in response.content.decode()
    assert not Job.objects.exists()


def test_print_endpoints_refuse_get(client, world):
    _login(client, world.users[Role.OFFICE])
    assignment = TeachingAssignment.objects.filter(class_subject__class_group=world.class_group).first()
    for url in (
        reverse("printing:start_class_book", args=[world.class_group.pk]),
        reverse("printing:start_school_books"),
        reverse("printing:start_teacher_book", args=[assignment.pk]),
    ):
        assert client.get(url).status_code == 405
    assert not Job.objects.exists()


def test_the_whole_school_by_the_office_only(client, world, django_capture_on_commit_callbacks):
    url = reverse("printing:start_school_books")
    assert _login(client, world.users[Role.PRINCIPAL]).post(url, {"term": world.term(1).pk}).status_code == 403
    assert _login(client, world.users["teacher"]).post(url, {"term": world.term(1).pk}).status_code == 403
    _login(client, world.users[Role.OFFICE])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"term": world.term(1).pk})
    batch = Job.objects.get(kind=Job.Kind.SCHOOL_BOOKS)
    assert response.status_code == 302 and batch.status == Job.Status.DONE and batch.children.count() == 1


def test_a_teacher_prints_only_his_own_book(client, world, django_capture_on_commit_callbacks):
    cs = ClassSubject.objects.filter(class_group=world.class_group).order_by("subject__order").first()
    assignment = TeachingAssignment.objects.get(class_subject=cs)
    teacher = assignment.teacher
    others = TeachingAssignment.objects.exclude(pk=assignment.pk).filter(class_subject__class_group=world.class_group)
    url = reverse("printing:start_teacher_book", args=[assignment.pk])
    _login(client, teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"term": world.term(1).pk, "filled": "on"})
    job = Job.objects.get(kind=Job.Kind.TEACHER_BOOK)
    assert response.status_code == 302 and job.scope == {
        "assignment": assignment.pk,
        "term": world.term(1).pk,
        "filled": True,
    }
    assert job.status == Job.Status.DONE and job.requested_by == teacher
    # Another teacher's assignment is not his to know about; the principal reads only.
    other_url = reverse("printing:start_teacher_book", args=[others.first().pk])
    assert client.post(other_url, {"term": world.term(1).pk}).status_code == 404
    assert _login(client, world.users[Role.PRINCIPAL]).post(url, {"term": world.term(1).pk}).status_code == 403
    assert Job.objects.count() == 1


# --- a job's page, status, file, retry -----------------------------------------------------------


def test_job_page_status_and_download(client, world, django_capture_on_commit_callbacks):
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    page = client.get(reverse("printing:job", args=[job.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="job-bar"' in text and 'value="100"' in text and "Tải tệp về" in text
    status = client.get(reverse("printing:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["progress"] == 100 and status["finished"] is True
    assert status["download"] == reverse("printing:download", args=[job.pk])
    download = client.get(status["download"])
    data = b"".join(download.streaming_content)
    assert download.status_code == 200 and hashlib.sha256(data).hexdigest() == job.sha256
    assert client.post(reverse("printing:job_status", args=[job.pk])).status_code == 405


def test_jobs_are_seen_by_the_office_leadership_and_the_requester_only(
    client, world, other, django_capture_on_commit_callbacks
):
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    for who, status in ((Role.PRINCIPAL, 200), (Role.VICE_PRINCIPAL, 200), ("teacher", 404), (Role.ADMIN_BOARD, 404)):
        _login(client, world.users[who])
        assert client.get(reverse("printing:job", args=[job.pk])).status_code == status
        assert client.get(reverse("printing:download", args=[job.pk])).status_code == status
    _login(client, other.users[Role.OFFICE])
    assert client.get(reverse("printing:job_status", args=[job.pk])).status_code == 404


def test_retry_of_a_failed_job(client, world, django_capture_on_commit_callbacks):
    from schools.models import GradeRuleSet

    GradeRuleSet.objects.filter(school_year=world.year).delete()
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    page = client.get(reverse("printing:job", args=[job.pk])).content.decode()
    assert job.error in page and 'id="job-retry"' in page
    url = reverse("printing:job_retry", args=[job.pk])
    assert _login(client, world.users[Role.PRINCIPAL]).post(url).status_code == 403
    assert client.get(url).status_code == 405
    GradeRuleSet.objects.create(school_year=world.year, grade_level=6, rule_set="tt22_2021")
    _login(client, world.users[Role.OFFICE])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2


# --- the register ----------------------------------------------------------------------------------


def _step(client, world, **data):
    return client.post(reverse("printing:register_step", args=[world.class_group.pk, world.term(1).pk]), data)


def test_the_office_follows_the_book_to_the_archive(client, world, django_capture_on_commit_callbacks):
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    today = timezone.localdate().isoformat()
    assert _step(client, world, step="printed", job=job.pk).status_code == 302
    register = BookRegister.objects.get(class_group=world.class_group, term=world.term(1))
    assert register.step == "printed" and register.printed_job == job and register.version == 1
    response = _step(
        client, world, step="signatures", version=1, teachers_on=today, homeroom_on=today, principal_on=today
    )
    assert response.status_code == 302
    register.refresh_from_db()
    assert register.step == "signed" and register.principal_signed_on.isoformat() == today
    assert _step(client, world, step="seal", version=2, sealed_on=today).status_code == 302
    response = _step(client, world, step="archive", version=3, archived_on=today, location="Phòng lưu trữ, tủ 2")
    assert response.status_code == 302
    register.refresh_from_db()
    assert register.step == "archived" and register.archive_location == "Phòng lưu trữ, tủ 2"
    assert register.archive_sha256 == job.sha256 and register.archive_fingerprint == job.fingerprint
    assert register.archive_file.name != job.file.name  # a frozen copy, not the job's file
    page = client.get(reverse("printing:register", args=[world.class_group.pk, world.term(1).pk])).content.decode()
    assert f"Đã lưu trữ: {timezone.localdate():%d/%m/%Y} – Phòng lưu trữ, tủ 2" in page
    archived = client.get(reverse("printing:archive_download", args=[world.class_group.pk, world.term(1).pk]))
    assert hashlib.sha256(b"".join(archived.streaming_content)).hexdigest() == register.archive_sha256
    reasons = list(register.history.order_by("history_id").values_list("history_change_reason", "history_user_id"))
    assert [r for r, _u in reasons][-1] == "Lưu trữ tại Phòng lưu trữ, tủ 2"
    assert {u for _r, u in reasons} == {world.users[Role.OFFICE].pk}
    # Archived: frozen. Printing again says whether the data changed since.
    assert _step(client, world, step="printed", job=job.pk, version=4).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        _start_class(client, world)
    again = Job.objects.latest("pk")
    assert again.reused_from == job
    page = client.get(reverse("printing:job", args=[again.pk])).content.decode()
    assert "Dữ liệu khớp với bản đã lưu trữ" in page
    index = client.get(reverse("printing:index") + f"?hoc-ki={world.term(1).pk}").content.decode()
    assert "Dữ liệu khớp với bản lưu trữ." in index


def test_a_changed_book_is_flagged_against_the_archived_copy(client, world, django_capture_on_commit_callbacks):
    from grades.services import REASON_GRID, Entry, score_record_many

    job = _done_job(client, world, django_capture_on_commit_callbacks)
    register = BookRegister(
        class_group=world.class_group,
        term=world.term(1),
        step="archived",
        printed_job=job,
        printed_at=timezone.now(),
        printed_by=world.users[Role.OFFICE],
        archived_on=timezone.localdate(),
        archive_location="Tủ 1",
        archive_sha256=job.sha256,
        archive_fingerprint=job.fingerprint,
        updated_at=timezone.now(),
        updated_by=world.users[Role.OFFICE],
    )
    register.save()
    cs = ClassSubject.objects.filter(class_group=world.class_group, subject__kind="score").first()
    score_record_many(
        actor=world.teachers[cs.pk],
        class_subject=cs,
        entries=[Entry(world.enrolments[world.class_group.pk][0].pk, world.term(1).pk, "midterm", "2")],
        reason=REASON_GRID,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _start_class(client, world)
    again = Job.objects.latest("pk")
    page = client.get(reverse("printing:job", args=[again.pk])).content.decode()
    assert "Dữ liệu đã thay đổi so với bản lưu trữ ngày" in page


@pytest.mark.parametrize("who", [Role.PRINCIPAL, Role.VICE_PRINCIPAL, "homeroom"])
def test_only_the_office_writes_the_register(client, world, who, django_capture_on_commit_callbacks):
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    _login(client, world.users[who])
    response = _step(client, world, step="printed", job=job.pk)
    expected = 403
    assert response.status_code == expected
    assert not BookRegister.objects.exists()
    register_url = reverse("printing:register", args=[world.class_group.pk, world.term(1).pk])
    assert client.get(register_url).status_code == (403 if who == "homeroom" else 200)


def test_register_refuses_other_ids_stale_pages_and_bad_dates(client, world, other, django_capture_on_commit_callbacks):
    job = _done_job(client, world, django_capture_on_commit_callbacks)
    other_job = _done_job(client, other, django_capture_on_commit_callbacks)
    _login(client, world.users[Role.OFFICE])
    # A job of another school: not found; the book of another term: refused.
    assert _step(client, world, step="printed", job=other_job.pk).status_code == 404
    wrong = client.post(
        reverse("printing:register_step", args=[world.class_group.pk, world.term(2).pk]),
        {"step": "printed", "job": job.pk},
    )
    assert wrong.status_code == 400 and "Tệp này không phải sổ của lớp trong học kì này." in wrong.content.decode()
    assert _step(client, world, step="unknown").status_code == 400
    assert not BookRegister.objects.exists()
    assert _step(client, world, step="printed", job=job.pk).status_code == 302
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    future = _step(client, world, step="signatures", version=1, teachers_on=tomorrow)
    assert future.status_code == 400 and "ngày không được ở tương lai" in future.content.decode()
    stale = _step(client, world, step="signatures", version=0, teachers_on=timezone.localdate().isoformat())
    assert stale.status_code == 409 and "chưa có gì được lưu" in stale.content.decode()
    early = _step(client, world, step="seal", version=1, sealed_on=timezone.localdate().isoformat())
    assert early.status_code == 400 and "Hãy thu đủ chữ kí trước khi đóng dấu giáp lai." in early.content.decode()
    register = BookRegister.objects.get()
    assert register.version == 1 and register.teachers_signed_on is None and register.sealed_on is None
    assert (
        client.get(reverse("printing:register_step", args=[world.class_group.pk, world.term(1).pk])).status_code == 405
    )
    _login(client, other.users[Role.OFFICE])
    assert client.get(reverse("printing:register", args=[world.class_group.pk, world.term(1).pk])).status_code == 404
