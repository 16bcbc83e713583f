"""The export pages: who may do what (roles-and-permissions.md: export results data to Phòng/Sở:
principal, vice-principal, admin board, office; the supervisor receives), what the database shows
after, and that changed ids and wrong methods are refused with nothing stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from exports.models import DistrictWorkbook, ResultsExport
from printing.models import Job
from tests.exports.conftest import approve_term1, make_export_world
from tests.factories import make_user
from tests.printing.conftest import make_print_world

pytestmark = pytest.mark.django_db

EXPORTERS = [Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE]


@pytest.fixture
def world():
    return make_export_world()


@pytest.fixture
def people(world):
    """Everyone who must be refused, by kind."""
    student = world.enrolments[world.class_group.pk][1].student
    other = make_print_world(students=2, scored=1, extras=False)
    return {
        "teacher": world.users["teacher"],
        "homeroom": world.users["homeroom"],
        "parent_of_school": make_user(world.school, Role.PARENT, student=student),
        "parent": make_user(None, Role.PARENT, student=student),
        "supervisor": make_user(None, Role.SUPERVISOR, district=world.school.district),
        "other_supervisor": make_user(None, Role.SUPERVISOR, district=other.school.district),
        "other_office": other.users[Role.OFFICE],
    }


def _post_export(client, world, **data):
    payload = {"year": world.year.pk, "period": "term1", "scope": "school", **data}
    return client.post(reverse("exports:start"), payload)


def _done_export(client, world, capture, user=None) -> ResultsExport:
    client.force_login(user or world.users[Role.OFFICE])
    with capture(execute=True):
        response = _post_export(client, world)
    assert response.status_code == 302
    return ResultsExport.objects.latest("pk")


# --- the export page and starting an export ---------------------------------------------------------


@pytest.mark.parametrize("role", EXPORTERS)
def test_every_exporting_role_starts_an_export_and_the_database_shows_it(
    client, world, role, django_capture_on_commit_callbacks
):
    client.force_login(world.users[role])
    page = client.get(reverse("exports:index"))
    assert page.status_code == 200 and 'id="export-form"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_export(client, world, scope="class", class_group=world.classes[1].pk, with_national_id="on")
    export = ResultsExport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:export", args=[export.pk])
    assert export.requested_by == world.users[role] and export.class_group == world.classes[1]
    assert export.with_national_id and export.job.status == Job.Status.DONE
    download = client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{export.job.file_name}"'
    assert b"".join(download.streaming_content)[:2] == b"PK"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("teacher", 403),
        ("homeroom", 403),
        ("parent_of_school", 403),
        ("parent", 404),
        ("supervisor", 404),
        ("other_supervisor", 404),
    ],
)
def test_others_can_neither_see_nor_start_an_export(client, world, people, who, status):
    client.force_login(people[who])
    page = client.get(reverse("exports:index"))
    if who.endswith("supervisor"):  # the main menu's "Reports" takes a supervisor to his own page
        assert page.status_code == 302 and page["Location"] == reverse("exports:district")
    else:
        assert page.status_code == status
    assert _post_export(client, world).status_code == status
    assert client.get(reverse("exports:statistics")).status_code == status
    assert not ResultsExport.objects.exists() and not Job.objects.filter(kind="export").exists()


def test_anonymous_people_are_sent_to_the_login_page(client, world):
    for url in (reverse("exports:index"), reverse("exports:statistics"), reverse("exports:district")):
        response = client.get(url)
        assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]
    assert _post_export(client, world).status_code == 302
    assert not ResultsExport.objects.exists()


def test_wrong_methods_are_refused(client, world, django_capture_on_commit_callbacks):
    export = _done_export(client, world, django_capture_on_commit_callbacks)
    assert client.get(reverse("exports:start")).status_code == 405
    assert client.post(reverse("exports:index")).status_code == 405
    assert client.post(reverse("exports:download", args=[export.pk])).status_code == 405
    assert client.post(reverse("exports:status", args=[export.pk])).status_code == 405
    assert client.get(reverse("exports:retry", args=[export.pk])).status_code == 405
    assert client.post(reverse("exports:statistics")).status_code == 405


@pytest.mark.parametrize("field", ["year", "class_group"])
def test_ids_of_another_school_are_refused_with_nothing_stored(client, world, field):
    other = make_export_world()
    client.force_login(world.users[Role.OFFICE])
    data = {"year": other.year.pk} if field == "year" else {"scope": "class", "class_group": other.classes[0].pk}
    response = _post_export(client, world, **data)
    assert response.status_code == 400
    assert "không phải là một trong các lựa chọn" in response.content.decode()
    assert not ResultsExport.objects.exists()


def test_a_grade_scope_without_a_grade_is_refused_in_vietnamese(client, world):
    client.force_login(world.users[Role.OFFICE])
    response = _post_export(client, world, scope="grade")
    assert response.status_code == 400 and "Chọn khối." in response.content.decode()
    assert not ResultsExport.objects.exists()


# --- one export: its page, status, file, retry ------------------------------------------------------


def test_the_export_page_shows_the_record(client, world, django_capture_on_commit_callbacks):
    first = _done_export(client, world, django_capture_on_commit_callbacks)
    second = _done_export(client, world, django_capture_on_commit_callbacks)
    text = client.get(reverse("exports:export", args=[second.pk])).content.decode()
    assert second.job.title in text and second.sha256 in text
    assert 'id="supersedes"' in text and "Dữ liệu giống bản xuất lúc" in text
    old = client.get(reverse("exports:export", args=[first.pk])).content.decode()
    assert 'id="superseded"' in old
    status = client.get(reverse("exports:status", args=[second.pk])).json()
    assert status["status"] == "done" and status["finished"] is True and status["progress"] == 100
    assert status["status_label"] == "Đã xong"
    assert status["download"] == reverse("exports:download", args=[second.pk])
    listing = client.get(reverse("exports:index")).content.decode()
    assert f'id="export-{first.pk}"' in listing and "đã có bản xuất sau" in listing


@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher", 403), ("parent_of_school", 403), ("parent", 404), ("supervisor", 404), ("other_office", 404)],
)
def test_others_can_neither_read_nor_download_an_export(
    client, world, people, who, status, django_capture_on_commit_callbacks
):
    export = _done_export(client, world, django_capture_on_commit_callbacks)
    client.force_login(people[who])
    for name in ("exports:export", "exports:status", "exports:download"):
        assert client.get(reverse(name, args=[export.pk])).status_code == status
    assert client.post(reverse("exports:retry", args=[export.pk])).status_code == status


def test_only_a_failed_export_runs_again(client, world, django_capture_on_commit_callbacks):
    export = _done_export(client, world, django_capture_on_commit_callbacks)
    response = client.post(reverse("exports:retry", args=[export.pk]), follow=True)
    assert "Chỉ chạy lại được lần xuất bị lỗi." in response.content.decode()
    export.job.refresh_from_db()
    assert export.job.attempts == 1


# --- the statistics page --------------------------------------------------------------------------


def test_the_statistics_page_shows_the_counts(client, world):
    approve_term1(world, world.classes[1])
    client.force_login(world.users[Role.VICE_PRINCIPAL])
    response = client.get(
        reverse("exports:statistics"), {"year": world.year.pk, "period": "term1", "scope": "grade", "grade": 6}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="stat-g6-learning"' in text and "Khối 6 – Kết quả học tập" in text
    assert 'id="stat-g6-band-mon0"' in text and "6,5 – dưới 8" in text
    tables = {t.key: t for t in response.context["tables"]}
    six_b = next(r for r in tables["g6-learning"].rows if r.label == "6B")
    assert (six_b.total, six_b.counts[:3]) == (5, [3, 1, 1])
    assert [str(p) for p in six_b.percents[:3]] == ["60.0", "20.0", "20.0"]
    assert "Một số lớp chưa được phê duyệt kết quả" in text


def test_the_statistics_page_costs_the_same_queries_for_more_students(client):
    counts = []
    for students in (2, 5):
        world = make_print_world(classes=2, students=students, extras=False)
        client.force_login(world.users[Role.OFFICE])
        params = {"year": world.year.pk, "period": "year", "scope": "school"}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("exports:statistics"), params)
        assert response.status_code == 200 and response.context["tables"]
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the district supervisor ------------------------------------------------------------------------


def test_the_supervisor_sees_the_schools_and_the_state_of_their_exports(
    client, world, people, django_capture_on_commit_callbacks
):
    export = _done_export(client, world, django_capture_on_commit_callbacks)
    supervisor = people["supervisor"]
    client.force_login(supervisor)
    text = client.get(reverse("exports:district"), {"year": 2026, "period": "term1"}).content.decode()
    assert f'id="school-{world.school.pk}"' in text and "đã nhận" in text and export.sha256[:12] in text
    text = client.get(reverse("exports:district"), {"year": 2026, "period": "year"}).content.decode()
    assert "chưa nhận" in text
    received = client.get(reverse("exports:received_download", args=[export.pk]))
    assert received.status_code == 200 and b"".join(received.streaming_content)[:2] == b"PK"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exports:district_start", args=[world.school.district_id]), {"year": 2026, "period": "term1"}
        )
    workbook = DistrictWorkbook.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:workbook", args=[workbook.pk])
    assert workbook.requested_by == supervisor and workbook.status == Job.Status.DONE
    page = client.get(reverse("exports:workbook", args=[workbook.pk])).content.decode()
    assert world.school.name in page and export.sha256[:16] in page
    assert client.get(reverse("exports:workbook_status", args=[workbook.pk])).json()["status"] == "done"
    download = client.get(reverse("exports:workbook_download", args=[workbook.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith('attachment; filename="tong-hop-')


def test_the_supervisor_receives_only_whole_school_exports(client, world, people, django_capture_on_commit_callbacks):
    client.force_login(world.users[Role.OFFICE])
    with django_capture_on_commit_callbacks(execute=True):
        _post_export(client, world, scope="class", class_group=world.classes[0].pk)
    partial = ResultsExport.objects.get()
    client.force_login(people["supervisor"])
    assert client.get(reverse("exports:received_download", args=[partial.pk])).status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_supervisor", 404), ("teacher", 403), ("parent", 404), ("parent_of_school", 403), ("other_office", 403)],
)
def test_nobody_else_reaches_the_district_files(client, world, people, who, status, django_capture_on_commit_callbacks):
    export = _done_export(client, world, django_capture_on_commit_callbacks)
    client.force_login(people["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("exports:district_start", args=[world.school.district_id]), {"year": 2026, "period": "term1"}
        )
    workbook = DistrictWorkbook.objects.get()
    client.force_login(people[who])
    assert client.get(reverse("exports:received_download", args=[export.pk])).status_code == status
    assert client.get(reverse("exports:workbook", args=[workbook.pk])).status_code == status
    assert client.get(reverse("exports:workbook_download", args=[workbook.pk])).status_code == status
    response = client.post(
        reverse("exports:district_start", args=[world.school.district_id]), {"year": 2026, "period": "term1"}
    )
    assert response.status_code == status
    assert DistrictWorkbook.objects.count() == 1


def test_the_supervisor_page_for_people_of_a_school(client, world, people):
    for role in EXPORTERS:
        client.force_login(world.users[role])
        assert client.get(reverse("exports:district")).status_code == 403
    client.force_login(people["other_supervisor"])
    text = client.get(reverse("exports:district")).content.decode()
    assert f'id="school-{world.school.pk}"' not in text


def test_district_wrong_methods(client, world, people):
    client.force_login(people["supervisor"])
    assert client.get(reverse("exports:district_start", args=[world.school.district_id])).status_code == 405
    assert client.post(reverse("exports:district")).status_code == 405


def test_the_home_page_links(client, world, people):
    client.force_login(world.users[Role.OFFICE])
    text = client.get(reverse("home")).content.decode()
    assert 'id="exports"' in text and reverse("exports:index") in text
    client.force_login(world.users["teacher"])
    assert 'id="exports"' not in client.get(reverse("home")).content.decode()
    client.force_login(people["supervisor"])
    text = client.get(reverse("home")).content.decode()
    assert reverse("exports:district") in text and 'id="exports"' not in text
