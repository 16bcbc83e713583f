"""Every role against every grid endpoint: only the assigned teacher writes; the readers of the
roles document read; everybody else is told nothing exists. The database shows what happened."""

import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounts import services as account_services
from accounts.models import Role
from grades.models import AssessmentDate, ScoreCell
from schools.models import BookLock, ClassSubject, Department, Enrolment
from tests.factories import make_school, make_user, make_year

pytestmark = pytest.mark.django_db

READERS = ("homeroom", "principal", "vice_principal", "admin_board", "office", "department_head")
OUTSIDERS = (
    "other_teacher",
    "same_class_teacher",
    "other_department_head",
    "other_school_principal",
    "parent",
    "student",
    "supervisor",
)


@pytest.fixture
def people(grid):
    world = grid.world
    school = world.school
    department = Department.objects.create(school=school, name="Tổ Toán – Tin")
    other_department = Department.objects.create(school=school, name="Tổ Ngữ văn")
    grid.class_subject.subject.department = department
    grid.class_subject.subject.save()
    class_6b = world.classes[1]
    other_teacher = ClassSubject.objects.filter(class_group=class_6b).first().assignments.get().teacher
    same_class = (
        ClassSubject.objects.filter(class_group=grid.class_subject.class_group)
        .exclude(pk=grid.class_subject.pk)
        .get()
        .assignments.get()
        .teacher
    )
    other_school = make_school("Trường THCS Khác")
    make_year(other_school)
    student = grid.enrolments[0].student
    people = {
        "teacher": grid.teacher,
        "homeroom": world.users["homeroom"],
        "principal": world.users[Role.PRINCIPAL],
        "vice_principal": world.users[Role.VICE_PRINCIPAL],
        "admin_board": world.users[Role.ADMIN_BOARD],
        "office": world.users[Role.OFFICE],
        "department_head": make_user(school, Role.DEPARTMENT_HEAD, department=department),
        "other_department_head": make_user(school, Role.DEPARTMENT_HEAD, department=other_department),
        "other_teacher": other_teacher,
        "same_class_teacher": same_class,
        "other_school_principal": make_user(other_school, Role.PRINCIPAL),
        "parent": make_user(school, Role.PARENT, student=student),
        "student": make_user(school, Role.STUDENT, student=student),
    }
    supervisor = make_user(None)
    account_services.role_grant(user=supervisor, role=Role.SUPERVISOR, district=school.district)
    people["supervisor"] = supervisor
    return people


def urls(grid):
    cs = grid.class_subject.pk
    return {
        "grid": reverse("grades:grid", args=[cs, 1]),
        "grid_year": reverse("grades:grid_year", args=[cs]),
        "grid_start": reverse("grades:grid_start", args=[cs]),
        "xlsx_download": reverse("grades:xlsx_download", args=[cs, 1]),
        "history": reverse("grades:cell_history", args=[cs])
        + f"?hs={grid.enrolments[0].pk}&term={grid.term1.pk}&col=regular_1",
        "cell_save": reverse("grades:cell_save", args=[cs]),
        "paste_preview": reverse("grades:paste_preview", args=[cs]),
        "paste_apply": reverse("grades:paste_apply", args=[cs]),
        "test_date": reverse("grades:test_date", args=[cs]),
        "xlsx_upload": reverse("grades:xlsx_upload", args=[cs, 1]),
    }


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def cell_body(grid, value="8,5", version=0, hs=None, term=None, col="regular_1"):
    return {
        "hs": hs or grid.enrolments[0].pk,
        "term": (term or grid.term1).pk,
        "col": col,
        "value": value,
        "version": version,
    }


def xlsx_bytes(grid):
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    ws.append(["Mã học sinh", "STT", "Họ và tên", "ĐĐGtx 1"])
    ws.append([grid.enrolments[0].student.student_code, 1, "x", 9])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def do(client, grid, endpoint):
    """Call one endpoint the way the page does, with a valid request."""
    u = urls(grid)
    if endpoint in ("grid", "grid_year", "grid_start", "xlsx_download", "history"):
        return client.get(u[endpoint])
    if endpoint == "cell_save":
        return post_json(client, u[endpoint], cell_body(grid))
    if endpoint == "paste_preview":
        return post_json(
            client,
            u[endpoint],
            {
                "mode": "term",
                "hs": grid.enrolments[0].pk,
                "term": grid.term1.pk,
                "col": "regular_1",
                "text": "7\t8\n6\t5\n",
            },
        )
    if endpoint == "paste_apply":
        return post_json(client, u[endpoint], {"entries": [cell_body(grid, "7")]})
    if endpoint == "test_date":
        return post_json(client, u[endpoint], {"term": grid.term1.pk, "col": "midterm", "date": "2026-11-02"})
    if endpoint == "xlsx_upload":
        upload = io.BytesIO(xlsx_bytes(grid))
        upload.name = "diem.xlsx"
        return client.post(u[endpoint], {"file": upload})
    raise AssertionError(endpoint)


READS = ("grid", "grid_year", "grid_start", "xlsx_download", "history")
WRITES = ("cell_save", "paste_preview", "paste_apply", "test_date", "xlsx_upload")


def stored(grid):
    return (ScoreCell.objects.count(), AssessmentDate.objects.count(), ScoreCell.history.count())


@pytest.mark.parametrize("endpoint", READS + WRITES)
def test_the_assigned_teacher_reads_and_writes(client, grid, people, endpoint):
    client.force_login(people["teacher"])
    response = do(client, grid, endpoint)
    assert response.status_code in (200, 302), response.content[:300]
    if endpoint == "grid_start":
        assert response["Location"].endswith(reverse("grades:grid", args=[grid.class_subject.pk, 1]))
    if endpoint == "grid":
        assert "Đã lưu tất cả" in response.content.decode()
        assert "readonly" not in response.content.decode().split("<tbody>")[1].split("</tr>")[0]
    if endpoint == "cell_save":
        assert response.json()["value"] == "8,5"
        assert ScoreCell.objects.get().value == 8.5
    if endpoint == "paste_preview":
        assert response.json()["counts"]["new"] == 4 and not ScoreCell.objects.exists()
    if endpoint == "paste_apply":
        assert ScoreCell.history.get().history_change_reason == "Dán từ bảng tính"
    if endpoint == "test_date":
        assert response.json()["deadline"] == "16/11/2026"
        assert AssessmentDate.objects.get().updated_by == people["teacher"]
    if endpoint == "xlsx_upload":
        assert "1 mới" in response.content.decode() and not ScoreCell.objects.exists()


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("endpoint", READS)
def test_readers_read(client, grid, people, role, endpoint):
    client.force_login(people[role])
    response = do(client, grid, endpoint)
    if endpoint == "history" and role == "office":
        assert response.status_code == 403  # the office prints the book, it does not read the audit trail
        return
    assert response.status_code in (200, 302)
    if endpoint == "grid":
        body = response.content.decode()
        assert "Chỉ xem" in body
        cells = re.findall(r'<input class="cell[^>]*>', body)
        assert len(cells) == 30 and all(" readonly" in cell for cell in cells)


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("endpoint", WRITES)
def test_readers_cannot_write(client, grid, people, role, endpoint):
    client.force_login(people[role])
    before = stored(grid)
    response = do(client, grid, endpoint)
    assert response.status_code == 403
    assert stored(grid) == before


@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("endpoint", READS + WRITES)
def test_outsiders_are_told_nothing(client, grid, people, role, endpoint):
    client.force_login(people[role])
    before = stored(grid)
    response = do(client, grid, endpoint)
    assert response.status_code == 404
    assert stored(grid) == before


@pytest.mark.parametrize("endpoint", READS + WRITES)
def test_anonymous_is_sent_to_log_in(client, grid, endpoint):
    response = do(client, grid, endpoint)
    if endpoint in ("history", "cell_save", "paste_preview", "paste_apply", "test_date"):
        assert response.status_code == 401
        assert "đăng nhập lại" in response.json()["error"]
    else:
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]
    assert stored(grid) == (0, 0, 0)


@pytest.mark.parametrize("endpoint", READS + WRITES)
def test_wrong_method_is_405(client, grid, people, endpoint):
    client.force_login(people["teacher"])
    url = urls(grid)[endpoint]
    response = client.post(url) if endpoint in READS else client.get(url)
    assert response.status_code == 405


def test_ids_changed_in_the_request_are_refused(client, grid, people):
    client.force_login(people["teacher"])
    save = urls(grid)["cell_save"]
    other_enrolment = Enrolment.objects.exclude(class_group=grid.class_subject.class_group).first()
    response = post_json(client, save, cell_body(grid, hs=other_enrolment.pk))
    assert response.status_code == 400 and "không thuộc lớp" in response.json()["error"]
    body = cell_body(grid)
    body["term"] = 987654
    assert post_json(client, save, body).status_code == 400
    body = cell_body(grid, col="regular_9")
    assert post_json(client, save, body).status_code == 400
    # Another teacher's class: the same request against its grid is refused whatever the body says.
    other_cs = ClassSubject.objects.exclude(class_group=grid.class_subject.class_group).first()
    response = post_json(client, reverse("grades:cell_save", args=[other_cs.pk]), cell_body(grid))
    assert response.status_code == 404
    same_class_other_subject = (
        ClassSubject.objects.filter(class_group=grid.class_subject.class_group).exclude(pk=grid.class_subject.pk).get()
    )
    response = post_json(client, reverse("grades:cell_save", args=[same_class_other_subject.pk]), cell_body(grid))
    assert response.status_code == 404
    paste = post_json(client, urls(grid)["paste_apply"], {"entries": [cell_body(grid, hs=other_enrolment.pk)]})
    assert paste.status_code == 400
    assert ScoreCell.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Điểm không hợp lệ"),
        ("11", "lớn hơn 10"),
        ("-1", "không được âm"),
        ("8.55", "8,6?"),
        ("8" * 6000, "quá dài"),
        ("Đ", "không nhập Đ/CĐ"),
    ],
)
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, grid, people, value, message):
    client.force_login(people["teacher"])
    response = post_json(client, urls(grid)["cell_save"], cell_body(grid, value=value))
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert stored(grid) == (0, 0, 0)


def test_malformed_requests_are_refused(client, grid, people):
    client.force_login(people["teacher"])
    save = urls(grid)["cell_save"]
    assert client.post(save, data="{not json", content_type="application/json").status_code == 400
    assert client.post(save, data="[1, 2]", content_type="application/json").status_code == 400
    assert post_json(client, save, {"hs": "x"}).status_code == 400
    assert post_json(client, urls(grid)["paste_apply"], {"entries": "nope"}).status_code == 400
    assert stored(grid) == (0, 0, 0)


def test_a_conflict_answers_409_with_both_values(client, grid, people):
    client.force_login(people["teacher"])
    save = urls(grid)["cell_save"]
    first = post_json(client, save, cell_body(grid, value="6"))
    assert first.status_code == 200 and first.json()["version"] == 1
    second = post_json(client, save, cell_body(grid, value="9", version=0))
    assert second.status_code == 409
    conflict = second.json()["conflict"]
    assert (conflict["theirs"], conflict["mine"], conflict["version"]) == ("6,0", "9", 1)
    assert conflict["by"] == grid.teacher.full_name
    assert ScoreCell.objects.get().value == 6


def test_a_locked_cell_answers_403(client, grid, people):
    from tests.grades.test_services import lock

    lock(grid, column="regular_1", scope=BookLock.Scope.COLUMN)
    client.force_login(people["teacher"])
    response = post_json(client, urls(grid)["cell_save"], cell_body(grid))
    assert response.status_code == 403 and "Khóa sổ học kì I" in response.json()["error"]
    page = client.get(urls(grid)["grid"]).content.decode()
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    locked_cell = first_row.split('data-col="regular_1"')[1].split(">")[0]
    assert "readonly" in locked_cell and "Khóa sổ học kì I" in locked_cell
    assert "readonly" not in first_row.split('data-col="regular_2"')[1].split(">")[0]
    assert 'class="lock lock-mark"' in page and "🔒" not in page  # drawn in CSS: the emoji has no glyph here
    assert stored(grid) == (0, 0, 0)


def test_the_history_lists_every_version(client, grid, people):
    client.force_login(people["teacher"])
    save = urls(grid)["cell_save"]
    post_json(client, save, cell_body(grid, value="6"))
    post_json(client, save, cell_body(grid, value="7", version=1))
    client.force_login(people["principal"])
    data = client.get(urls(grid)["history"]).json()
    assert [(line["old"], line["new"], line["version"]) for line in data["lines"]] == [
        ("6,0", "7,0", 2),
        ("", "6,0", 1),
    ]
    assert {line["by"] for line in data["lines"]} == {grid.teacher.full_name}
    assert {line["reason"] for line in data["lines"]} == {"Nhập trên bảng điểm"}


def test_the_year_view_shows_both_terms_and_the_year_average(client, grid, people):
    client.force_login(people["teacher"])
    save = urls(grid)["cell_save"]
    for term, values in ((grid.term1, ["6", "6", "6", "6,5", "6,6"]), (grid.term2, ["8", "8", "8", "9", "8"])):
        for column, value in zip(["regular_1", "regular_2", "regular_3", "midterm", "final"], values, strict=True):
            assert post_json(client, save, cell_body(grid, value=value, term=term, col=column)).status_code == 200
    body = client.get(urls(grid)["grid_year"]).content.decode()
    # T3 (6,35 → 6,4) and T4 (8,25 → 8,3); year (6,4 + 2 × 8,3) / 3 = 7,666… → 7,7.
    assert '<span class="v">6,4</span>' in body and '<span class="v">8,3</span>' in body
    assert '<span class="v">7,7</span>' in body


def test_the_index_lists_the_grids_a_person_may_open(client, grid, people):
    client.force_login(people["teacher"])
    body = client.get(reverse("grades:index")).content.decode()
    assert reverse("grades:grid_start", args=[grid.class_subject.pk]) in body
    assert body.count("/diem/mon/") == 1
    client.force_login(people["principal"])
    assert client.get(reverse("grades:index")).content.decode().count("/diem/mon/") == 4


def test_the_home_page_links_each_taught_subject_to_its_grid(client, grid, people):
    client.force_login(people["teacher"])
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("grades:grid_start", args=[grid.class_subject.pk])}"' in body
