"""Every role against the conduct, overview and results pages and their actions: the homeroom
teacher rates and proposes, the principal approves or returns, the vice-principal reads; anybody
else who sees the class is refused (403), anybody outside it is told nothing exists (404). The
database shows what happened; ids of another class in a request are refused."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Role
from grades.models import TERM1, ConductRating, DisciplineNote, ResultBatch
from schools.models import BookLock, Department
from tests.factories import make_school, make_user, make_year
from tests.grades.results_world import add_class, complete_months, fill_term, make_results_world, rate

pytestmark = pytest.mark.django_db

READ = ("homeroom", "principal", "vice_principal")
REFUSED = ("admin_board", "office", "department_head", "subject_teacher")
OUTSIDERS = ("other_homeroom", "other_school_principal", "parent", "student", "supervisor")


@pytest.fixture
def world():
    world = make_results_world("tt22_2021", students=3, grade=6)
    world.other_class, world.other_homeroom, world.other_enrolments = add_class(world, "6B")
    return world


@pytest.fixture
def people(world):
    school = world.school
    department = Department.objects.create(school=school, name="Tổ Toán")
    other_school = make_school("Trường THCS Khác")
    make_year(other_school)
    student = world.enrolments[0].student
    people = {
        "homeroom": world.homeroom,
        "principal": world.users[Role.PRINCIPAL],
        "vice_principal": world.users[Role.VICE_PRINCIPAL],
        "admin_board": world.users[Role.ADMIN_BOARD],
        "office": world.users[Role.OFFICE],
        "department_head": make_user(school, Role.DEPARTMENT_HEAD, department=department),
        "subject_teacher": world.teachers["toan"],
        "other_homeroom": world.other_homeroom,
        "other_school_principal": make_user(other_school, Role.PRINCIPAL),
        "parent": make_user(school, Role.PARENT, student=student),
        "student": make_user(school, Role.STUDENT, student=student),
    }
    supervisor = make_user(None)
    account_services.role_grant(user=supervisor, role=Role.SUPERVISOR, district=school.district)
    people["supervisor"] = supervisor
    return people


def pages(world):
    cg = world.class_group.pk
    return {
        "conduct": reverse("grades:conduct", args=[cg, "hoc-ki-1"]),
        "conduct_year": reverse("grades:conduct", args=[cg, "ca-nam"]),
        "overview": reverse("grades:overview", args=[cg, "hoc-ki-1"]),
        "overview_year": reverse("grades:overview", args=[cg, "ca-nam"]),
        "results": reverse("grades:results", args=[cg, "hoc-ki-1"]),
        "results_summer": reverse("grades:results", args=[cg, "he"]),
    }


@pytest.mark.parametrize("who", READ + REFUSED + OUTSIDERS)
def test_who_reads_the_class_pages(client, world, people, who):
    client.force_login(people[who])
    for name, url in pages(world).items():
        response = client.get(url)
        expected = 200 if who in READ else 403 if who in REFUSED else 404
        assert response.status_code == expected, (name, who)
        if expected == 200:
            body = response.content.decode()
            assert world.enrolments[0].student.full_name in body or name == "results_summer"


def test_the_overview_shows_averages_results_and_what_is_missing(client, world, people):
    fill_term(world, 1, lambda i, code: "Đ" if code == "gdtc" else 8.5)
    rate(world, TERM1, ["Tốt", "Tốt", ""])
    client.force_login(people["principal"])
    body = client.get(pages(world)["overview"]).content.decode()
    assert "8,5" in body and "Tốt" in body
    # Student 3 has no conduct rating; attendance months are not confirmed.
    assert "1 học sinh chưa được đánh giá rèn luyện" in body
    assert "chưa đánh giá rèn luyện" in body or "chưa có đánh giá rèn luyện" in body


def conduct_form(world, levels, versions=None, period="term1"):
    data = {}
    for index, enrolment in enumerate(world.enrolments):
        data[f"level-{enrolment.pk}"] = levels[index]
        data[f"comment-{enrolment.pk}"] = f"Nhận xét {index}"
        data[f"orig-level-{enrolment.pk}"] = ""
        data[f"orig-comment-{enrolment.pk}"] = ""
        data[f"v-{enrolment.pk}"] = (versions or {}).get(enrolment.pk, 0)
    return data


@pytest.mark.parametrize("who", ("homeroom", "principal", "vice_principal", "subject_teacher", "other_homeroom"))
def test_only_the_homeroom_teacher_rates_conduct(client, world, people, who):
    client.force_login(people[who])
    response = client.post(pages(world)["conduct"], conduct_form(world, ["Tốt", "Khá", "Đạt"]))
    if who == "homeroom":
        assert response.status_code == 302
        ratings = dict(ConductRating.objects.filter(period=TERM1).values_list("enrolment_id", "level"))
        assert ratings == {world.enrolments[0].pk: "Tốt", world.enrolments[1].pk: "Khá", world.enrolments[2].pk: "Đạt"}
        assert ConductRating.history.filter(history_user=world.homeroom).count() == 3
        follow = client.get(response["Location"])
        assert "Đã lưu" in follow.content.decode()
    else:
        assert response.status_code == (404 if who == "other_homeroom" else 403)
        assert not ConductRating.objects.exists()


def test_conduct_refuses_a_bad_level_and_ids_of_another_class(client, world, people):
    client.force_login(people["homeroom"])
    data = conduct_form(world, ["Giỏi", "Khá", "Đạt"])
    response = client.post(pages(world)["conduct"], data)
    assert response.status_code == 400
    assert "không phải là mức" in response.content.decode()
    assert not ConductRating.objects.exists()
    # A student of another class slipped into the form is not written.
    stranger = world.other_enrolments[0].pk
    data = conduct_form(world, ["Tốt", "Tốt", "Tốt"])
    data.update({f"level-{stranger}": "Chưa đạt", f"orig-level-{stranger}": "", f"v-{stranger}": 0})
    assert client.post(pages(world)["conduct"], data).status_code == 302
    assert not ConductRating.objects.filter(enrolment_id=stranger).exists()
    # The homeroom teacher of 6A posting to 6B's page: nothing exists there for him.
    url = reverse("grades:conduct", args=[world.other_class.pk, "hoc-ki-1"])
    assert client.post(url, data).status_code == 404


def test_a_conduct_edit_made_meanwhile_is_reported_not_overwritten(client, world, people):
    rate(world, TERM1, ["Tốt", "Tốt", "Tốt"])
    client.force_login(people["homeroom"])
    data = conduct_form(world, ["Khá", "Khá", "Khá"])  # versions 0: loaded before the first save
    response = client.post(pages(world)["conduct"], data)
    assert response.status_code == 400
    assert "Không lưu" in response.content.decode()
    assert set(ConductRating.objects.values_list("level", flat=True)) == {"Tốt"}


def test_the_tt22_year_conduct_is_derived_not_entered(client, world, people):
    rate(world, TERM1, ["Tốt", "Khá", "Chưa đạt"])
    rate(world, "term2", ["Khá", "Tốt", "Tốt"])
    client.force_login(people["homeroom"])
    body = client.get(pages(world)["conduct_year"]).content.decode()
    assert 'data-level="Khá"' in body and 'data-level="Tốt"' in body  # (Tốt, Khá) -> Khá; (Khá, Tốt) -> Tốt
    assert 'name="level-' not in body


@pytest.mark.parametrize(
    ("url_name", "method"),
    [
        ("grades:overview", "post"),
        ("grades:results", "post"),
        ("grades:results_compute", "get"),
        ("grades:results_propose", "get"),
        ("grades:results_approve", "get"),
        ("grades:results_return", "get"),
        ("grades:conduct", "put"),
    ],
)
def test_wrong_methods(client, world, people, url_name, method):
    client.force_login(people["homeroom"] if "approve" not in url_name else people["principal"])
    url = reverse(url_name, args=[world.class_group.pk, "hoc-ki-1"])
    assert getattr(client, method)(url).status_code == 405


def ready_term(world):
    fill_term(world, 1, lambda i, code: "Đ" if code == "gdtc" else 8)
    rate(world, TERM1, "Tốt")
    complete_months(world, until=world.year.terms.get(number=1).end_date)


def action(world, name):
    return reverse(f"grades:results_{name}", args=[world.class_group.pk, "hoc-ki-1"])


@pytest.mark.parametrize("who", READ + REFUSED + OUTSIDERS)
def test_compute_and_propose_are_the_homeroom_teachers(client, world, people, who):
    ready_term(world)
    client.force_login(people[who])
    response = client.post(action(world, "compute"))
    batch = ResultBatch.objects.filter(class_group=world.class_group, period=TERM1).first()
    if who == "homeroom":
        assert response.status_code == 302 and batch.status == ResultBatch.Status.DRAFT
        assert batch.results.count() == 3
        response = client.post(action(world, "propose"), {"comment": "Lớp đủ điểm", "version": batch.version})
        batch.refresh_from_db()
        assert batch.status == ResultBatch.Status.PROPOSED and batch.proposal_comment == "Lớp đủ điểm"
    else:
        assert response.status_code == (403 if who in ("principal", "vice_principal", *REFUSED) else 404)
        assert batch is None


@pytest.mark.parametrize("who", READ + REFUSED + OUTSIDERS)
def test_approve_and_return_are_the_principals(client, world, people, who):
    ready_term(world)
    client.force_login(people["homeroom"])
    client.post(action(world, "compute"))
    client.post(action(world, "propose"), {"comment": ""})
    client.force_login(people[who])
    response = client.post(action(world, "approve"), {"comment": "Đồng ý"})
    batch = ResultBatch.objects.get(class_group=world.class_group, period=TERM1)
    if who == "principal":
        assert response.status_code == 302 and batch.status == ResultBatch.Status.APPROVED
        assert BookLock.objects.filter(class_group=world.class_group, column="results", decided_by=people[who]).exists()
        page = client.get(pages(world)["results"]).content.decode()
        assert "Đã duyệt" in page and "Đồng ý" in page
    else:
        assert response.status_code == (403 if who in ("homeroom", "vice_principal", *REFUSED) else 404)
        assert batch.status == ResultBatch.Status.PROPOSED
        assert not BookLock.objects.exists()


def test_the_principal_returns_with_a_comment_and_the_homeroom_teacher_recomputes(client, world, people):
    ready_term(world)
    client.force_login(people["homeroom"])
    client.post(action(world, "compute"))
    client.post(action(world, "propose"))
    client.force_login(people["principal"])
    response = client.post(action(world, "return"), {"comment": ""})
    assert ResultBatch.objects.get(period=TERM1).status == ResultBatch.Status.PROPOSED  # a reason is required
    assert response.status_code == 302
    client.post(action(world, "return"), {"comment": "Kiểm tra lại điểm môn Toán"})
    batch = ResultBatch.objects.get(period=TERM1)
    assert batch.status == ResultBatch.Status.RETURNED and batch.decision_comment == "Kiểm tra lại điểm môn Toán"
    client.force_login(people["homeroom"])
    page = client.get(pages(world)["results"]).content.decode()
    assert "Kiểm tra lại điểm môn Toán" in page
    client.post(action(world, "compute"), {"reason": "Sau khi Hiệu trưởng trả lại"})
    assert ResultBatch.objects.get(period=TERM1).status == ResultBatch.Status.DRAFT


def test_a_stale_proposal_page_cannot_approve(client, world, people):
    ready_term(world)
    client.force_login(people["homeroom"])
    client.post(action(world, "compute"))
    batch = ResultBatch.objects.get(period=TERM1)
    client.post(action(world, "propose"), {"version": batch.version})
    client.force_login(people["principal"])
    client.post(action(world, "approve"), {"version": batch.version})  # the version before the proposal
    assert ResultBatch.objects.get(period=TERM1).status == ResultBatch.Status.PROPOSED


def test_discipline_notes_are_the_subject_teachers_and_the_homeroom_teacher_reads_them(client, world, people):
    cs = world.class_subject("toan")
    url = reverse("grades:discipline", args=[cs.pk])
    note = {"student": world.enrolments[0].pk, "week": "2026-10-07", "text": "Hay nói chuyện riêng trong giờ"}
    for who in ("homeroom", "principal", "other_homeroom"):
        client.force_login(people[who])
        assert client.post(url, note).status_code in (403, 404)
    client.force_login(people["subject_teacher"])
    stranger = dict(note, student=world.other_enrolments[0].pk)
    assert client.post(url, stranger).status_code == 400
    assert client.post(url, note).status_code == 302
    saved = DisciplineNote.objects.get()
    assert saved.week.isoformat() == "2026-10-05" and saved.updated_by == people["subject_teacher"]
    client.force_login(people["homeroom"])
    body = client.get(pages(world)["conduct"]).content.decode()
    assert "Hay nói chuyện riêng trong giờ" in body


@pytest.mark.parametrize("who", ("principal", "vice_principal", "admin_board", "homeroom", "office"))
def test_the_school_results_page(client, world, people, who):
    client.force_login(people[who])
    response = client.get(reverse("grades:school_results"))
    assert response.status_code == (200 if who in ("principal", "vice_principal", "admin_board") else 403)
    if response.status_code == 200:
        assert "6A" in response.content.decode() and "6B" in response.content.decode()


@pytest.mark.parametrize("who", ("admin_board", "principal", "homeroom"))
def test_the_rollover_page_is_the_admin_boards(client, world, people, who):
    client.force_login(people[who])
    response = client.get(reverse("grades:rollover"))
    assert response.status_code == (200 if who == "admin_board" else 403)
    if who == "admin_board":
        body = response.content.decode()
        assert "chưa được duyệt" in body  # nothing is approved: the rollover is not possible yet
        assert client.post(reverse("grades:rollover"), {}).status_code == 400


def test_summer_pages_re_assessment_by_the_subject_teacher_training_by_the_homeroom_teacher(client, world, people):
    from grades.models import SUMMER, RetestScore
    from tests.grades.test_results_services import summer_ready

    summer_ready(world)  # student 0 re-assessed in Toán, student 1 in summer training
    toan = world.class_subject("toan")
    url = reverse("grades:retest", args=[toan.pk])
    first, second = world.enrolments[0], world.enrolments[1]
    body = {f"r-{first.pk}": "6,5", f"orig-{first.pk}": "", f"v-{first.pk}": 0, f"r-{second.pk}": "9"}
    client.force_login(people["principal"])
    page = client.get(url)
    assert page.status_code == 200 and first.student.full_name in page.content.decode()
    assert 'name="r-' not in page.content.decode()  # read only
    for who, status in (("homeroom", 403), ("principal", 403), ("other_homeroom", 404)):
        client.force_login(people[who])
        assert client.post(url, body).status_code == status
    assert not RetestScore.objects.exists()
    client.force_login(people["subject_teacher"])
    assert client.post(url, body).status_code == 302  # today (2026) is before the 2027 summer deadline
    # Only the student the approved results send to Toán is written; the other id is ignored.
    assert list(RetestScore.objects.values_list("enrolment_id", "value")) == [(first.pk, 6.5)]

    conduct_url = reverse("grades:conduct", args=[world.class_group.pk, "he"])
    client.force_login(people["homeroom"])
    page = client.get(conduct_url).content.decode()
    assert second.student.full_name in page and first.student.full_name not in page
    data = {
        f"level-{second.pk}": "Đạt",
        f"comment-{second.pk}": "Đã hoàn thành nhiệm vụ hè",
        f"done-{second.pk}": "yes",
        f"orig-level-{second.pk}": "",
        f"orig-comment-{second.pk}": "",
        f"orig-done-{second.pk}": "",
        f"v-{second.pk}": 0,
    }
    assert client.post(conduct_url, data).status_code == 302
    rating = ConductRating.objects.get(enrolment=second, period=SUMMER)
    assert (rating.level, rating.summer_completed) == ("Đạt", True)
