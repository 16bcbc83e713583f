"""The export services: the job and its record, superseding exports, failures and retries, running
twice, the audit trail, the district's combined workbook."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from exports import services
from exports.models import EXPORT_KIND, DistrictWorkbook, ResultsExport
from exports.xlsx import HEADER_ROW
from printing.models import Job
from schools.models import GradeRuleSet
from tests.exports.conftest import KNOWN_CODE, approve_term1, make_export_world
from tests.factories import make_school, make_user, make_year
from tests.printing.conftest import apply_correction

pytestmark = pytest.mark.django_db


def _export(world, capture, user=None, **options) -> ResultsExport:
    params = {"period": "term1", "scope": "school", **options}
    with capture(execute=True):
        export = services.export_start(
            actor=user or world.users[Role.OFFICE], school=world.school, school_year=world.year, **params
        )
    export.refresh_from_db()
    export.job.refresh_from_db()
    return export


def test_an_export_is_a_print_job_of_kind_export_with_its_record(django_capture_on_commit_callbacks):
    world = make_export_world()
    office = world.users[Role.OFFICE]
    export = _export(world, django_capture_on_commit_callbacks)
    job = export.job
    assert job.kind == EXPORT_KIND and job.school == world.school and job.requested_by == office
    assert job.status == Job.Status.DONE and job.progress == 100 and job.attempts == 1
    data = job.file.read()
    assert hashlib.sha256(data).hexdigest() == job.sha256 == export.sha256
    assert export.fingerprint == job.fingerprint and len(export.fingerprint) == 64
    assert export.requested_by == office and export.finished_at is not None
    assert export.student_count == 9 and export.approved is False
    assert export.supersedes is None and not export.is_update
    assert job.message == "Đã xong: 9 học sinh"
    # Every write to the job and the record is in the history, with the person and a reason.
    assert {h.history_user_id for h in job.history.all()} == {office.pk}
    reasons = list(job.history.order_by("history_date").values_list("history_change_reason", flat=True))
    assert reasons[0] == "Yêu cầu xuất kết quả" and reasons[-1] == "Đã xuất xong"
    assert {h.history_user_id for h in export.history.all()} == {office.pk}


def test_the_job_waits_for_the_commit(django_capture_on_commit_callbacks):
    world = make_export_world()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = services.export_start(
            actor=world.users[Role.OFFICE], school=world.school, school_year=world.year, period="term1", scope="school"
        )
    assert len(callbacks) == 1
    assert Job.objects.get(pk=export.job_id).status == Job.Status.QUEUED


def test_a_later_export_supersedes_and_one_after_a_correction_is_the_updated_version(
    django_capture_on_commit_callbacks,
):
    world = make_export_world(classes=3)
    first = _export(world, django_capture_on_commit_callbacks)
    same = _export(world, django_capture_on_commit_callbacks)
    assert same.supersedes == first and same.data_changed is False and not same.is_update
    assert same.corrections_since == 0 and "dữ liệu giống bản xuất trước" in same.job.message

    # 6C, term I: a regular score 8,0 → 9,0 through approved minutes (its homeroom teacher confirms).
    world.users["homeroom"] = world.classes[2].homeroom_assignments.get().teacher
    apply_correction(world, world.classes[2])
    updated = _export(world, django_capture_on_commit_callbacks)
    assert updated.supersedes == same and updated.data_changed is True and updated.is_update
    assert updated.corrections_since == 1
    assert "bản cập nhật" in updated.job.message
    assert updated.fingerprint != same.fingerprint
    assert list(same.superseded_by.all()) == [updated]

    # Another scope is another series: a grade export supersedes nothing.
    grade = _export(world, django_capture_on_commit_callbacks, scope="grade", grade_level=6)
    assert grade.supersedes is None


def test_asking_for_the_personal_id_numbers_does_not_make_an_updated_version(django_capture_on_commit_callbacks):
    world = make_export_world()
    plain = _export(world, django_capture_on_commit_callbacks)
    with_ids = _export(world, django_capture_on_commit_callbacks, with_national_id=True)
    assert with_ids.supersedes == plain and with_ids.data_changed is False


def test_a_failed_export_says_why_and_runs_again(django_capture_on_commit_callbacks):
    world = make_export_world()
    rule_set = GradeRuleSet.objects.get(school_year=world.year, grade_level=6)
    code = rule_set.rule_set
    rule_set.delete()
    export = _export(world, django_capture_on_commit_callbacks)
    assert export.job.status == Job.Status.FAILED
    assert export.job.error == ("Năm học 2026-2027 chưa chọn bộ quy tắc đánh giá cho khối 6: ban quản trị cần chọn.")
    assert export.finished_at is None and export.sha256 == "" and not export.job.file

    GradeRuleSet.objects.create(school_year=world.year, grade_level=6, rule_set=code)
    with django_capture_on_commit_callbacks(execute=True):
        services.export_retry(export=export, actor=world.users[Role.PRINCIPAL])
    export.refresh_from_db()
    export.job.refresh_from_db()
    assert export.job.status == Job.Status.DONE and export.job.attempts == 2 and export.sha256

    with pytest.raises(ValidationError):
        services.export_retry(export=export, actor=world.users[Role.PRINCIPAL])


def test_running_a_done_job_again_changes_nothing(django_capture_on_commit_callbacks):
    world = make_export_world()
    export = _export(world, django_capture_on_commit_callbacks)
    rows = export.job.history.count()
    assert services.export_run(export.job_id) is None
    export.job.refresh_from_db()
    assert export.job.history.count() == rows and export.job.attempts == 1


def test_a_print_job_is_never_run_as_an_export(django_capture_on_commit_callbacks):
    world = make_export_world()
    export = _export(world, django_capture_on_commit_callbacks)
    printed = Job.objects.create(
        school=world.school,
        kind=Job.Kind.CLASS_BOOK,
        scope={},
        title="x",
        requested_by=world.users[Role.OFFICE],
        created_at=export.created_at,
    )
    assert services.export_run(printed.pk) is None
    printed.refresh_from_db()
    assert printed.status == Job.Status.QUEUED


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scope": "grade", "grade_level": 7}, "Khối 7 không có lớp nào trong năm học này."),
        ({"scope": "grade", "grade_level": 11}, "Chọn một khối của trường để xuất."),
        ({"scope": "nothing"}, "Chọn phạm vi xuất: cả trường, một khối hoặc một lớp."),
        ({"period": "summer"}, "Chọn học kì hoặc cả năm."),
    ],
)
def test_bad_requests_are_refused_with_nothing_stored(options, message):
    world = make_export_world()
    params = {"period": "term1", "scope": "school", **options}
    with pytest.raises(ValidationError) as exc:
        services.export_start(actor=world.users[Role.OFFICE], school=world.school, school_year=world.year, **params)
    assert exc.value.messages == [message]
    assert not ResultsExport.objects.exists() and not Job.objects.filter(kind=EXPORT_KIND).exists()


def test_a_year_or_a_class_of_another_school_is_refused():
    world = make_export_world()
    other = make_export_world()
    with pytest.raises(ValidationError):
        services.export_start(
            actor=world.users[Role.OFFICE], school=world.school, school_year=other.year, period="term1", scope="school"
        )
    with pytest.raises(ValidationError):
        services.export_start(
            actor=world.users[Role.OFFICE],
            school=world.school,
            school_year=world.year,
            period="term1",
            scope="class",
            class_group=other.classes[0],
        )
    assert not ResultsExport.objects.exists()


# --- the district ------------------------------------------------------------------------------


def test_the_district_workbook_combines_each_schools_latest_export(django_capture_on_commit_callbacks):
    first = make_export_world()
    second = make_export_world(classes=2, students=2)
    district = first.school.district
    second.school.district = district
    second.school.save()
    silent = make_school("Trường THCS Im Lặng", district=district)
    make_year(silent)
    elsewhere = make_export_world(classes=2, students=2)  # another district: never combined
    for world in (first, second, elsewhere):
        _export(world, django_capture_on_commit_callbacks)
    latest = _export(second, django_capture_on_commit_callbacks)
    supervisor = make_user(None, Role.SUPERVISOR, district=district)

    with django_capture_on_commit_callbacks(execute=True):
        workbook = services.district_workbook_start(
            actor=supervisor, district=district, start_year=2026, period="term1"
        )
    workbook.refresh_from_db()
    assert workbook.status == Job.Status.DONE, workbook.error
    assert {s["school"] for s in workbook.sources} == {first.school.pk, second.school.pk}
    assert latest.pk in {s["export"] for s in workbook.sources}
    assert hashlib.sha256(workbook.file.read()).hexdigest() == workbook.sha256
    assert workbook.message == "Đã xong: 2/3 trường, 16 học sinh"
    assert {h.history_user_id for h in workbook.history.all()} == {supervisor.pk}

    wb = load_workbook(workbook.file.path)
    assert wb.sheetnames == ["Tổng hợp", "Khối 6", "Thống kê"]
    summary = {r[1]: r for r in wb["Tổng hợp"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)}
    assert len(summary) == 3 and summary[first.school.code][3] == "Đã gửi"
    assert summary[second.school.code][9] == latest.sha256
    assert summary[silent.code][3] == "Chưa gửi"
    sheet = wb["Khối 6"]
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header[:4] == ["STT", "Mã trường", "Trường", "Mã học sinh"]
    rows = list(sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    assert len(rows) == 16 and {r[1] for r in rows} == {first.school.code, second.school.code}
    known = next(r for r in rows if r[3] == KNOWN_CODE and r[1] == first.school.code)
    assert known[header.index("Môn 0")] == 7.5
    formula = next(c for c in sheet.iter_rows(min_row=HEADER_ROW + 1) if str(c[4].value).startswith("="))
    assert formula[4].data_type == "s"
    assert elsewhere.school.code not in {r[1] for r in rows}


def _stat_tables(ws) -> dict[str, dict[str, list]]:
    """The district statistics sheet as {table title: {row label: [total, count, %, count, %, …]}}
    (the header row under the key "header")."""
    tables: dict[str, dict[str, list]] = {}
    rows = [list(r) for r in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    for index, row in enumerate(rows[:-1]):
        if row and isinstance(row[0], str) and rows[index + 1] and rows[index + 1][0] == "Trường":
            table = tables[row[0]] = {"header": rows[index + 1]}
            for line in rows[index + 2 :]:
                if not line or line[0] is None:
                    break
                table[line[0]] = line[1:]
    return tables


def test_the_district_statistics_sheet_matches_each_schools_statistics_page(client, django_capture_on_commit_callbacks):
    first = make_export_world()
    approve_term1(first, first.classes[1])
    second = make_export_world(classes=2, students=2)
    district = first.school.district
    second.school.district = district
    second.school.name = "Trường THCS Thứ Hai"
    second.school.save()
    for world in (first, second):
        _export(world, django_capture_on_commit_callbacks)
    supervisor = make_user(None, Role.SUPERVISOR, district=district)
    with django_capture_on_commit_callbacks(execute=True):
        workbook = services.district_workbook_start(
            actor=supervisor, district=district, start_year=2026, period="term1"
        )
    workbook.refresh_from_db()
    assert workbook.status == Job.Status.DONE, workbook.error
    ws = load_workbook(workbook.file.path)["Thống kê"]
    assert ws["A3"].value.startswith("THỐNG KÊ KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN HỌC KÌ I")
    tables = _stat_tables(ws)
    assert list(tables) == ["Khối 6 – Kết quả học tập", "Khối 6 – Kết quả rèn luyện"]
    grand = {}
    for key, title in (("g6-learning", "Khối 6 – Kết quả học tập"), ("g6-conduct", "Khối 6 – Kết quả rèn luyện")):
        table = tables[title]
        page_categories = None
        for world in (first, second):
            client.force_login(world.users[Role.OFFICE])
            response = client.get(
                reverse("exports:statistics"), {"year": world.year.pk, "period": "term1", "scope": "school"}
            )
            assert response.status_code == 200
            page = {t.key: t for t in response.context["tables"]}[key]
            page_categories = page.categories
            total = page.rows[-1]
            assert total.is_total and total.label == "Khối 6"
            expected = [total.total]
            for count, share in total.cells:
                expected += [count, float(share) if share is not None else None]
            assert table[world.school.name] == expected
            grand[world.school.pk] = total
        # The rule set's levels (TT22), then "Chưa có"; the grade's total adds the schools up.
        assert table["header"] == ["Trường", "Sĩ số", *[x for c in page_categories for x in (c, "%")]]
        assert page_categories == ["Tốt", "Khá", "Đạt", "Chưa đạt", "Chưa có"]  # TT22 learning and conduct
        district_total = table["Khối 6"]
        assert district_total[0] == sum(t.total for t in grand.values())
        assert district_total[1::2] == [sum(col) for col in zip(*(t.counts for t in grand.values()), strict=True)]
    learning = tables["Khối 6 – Kết quả học tập"][first.school.name]
    assert learning[0] == 8 and sum(learning[1::2]) == 8  # the leaver is not counted
    assert ws.cell(row=HEADER_ROW + 2, column=4).number_format == "0.0"


def test_the_district_workbook_needs_a_year_of_its_schools():
    world = make_export_world()
    supervisor = make_user(None, Role.SUPERVISOR, district=world.school.district)
    with pytest.raises(ValidationError):
        services.district_workbook_start(
            actor=supervisor, district=world.school.district, start_year=2019, period="term1"
        )
    assert not DistrictWorkbook.objects.exists()


def test_safe_file_names():
    assert services.safe_name('Lớp 6Đ/../"x"') == "lop-6dx"
    assert services.safe_name("") == "tep"
