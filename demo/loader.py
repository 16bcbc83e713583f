"""Build the demo school: deterministic (a fixed random seed) and idempotent (a second run changes
nothing). Everything goes through the apps' services, as a real school's data would."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts import services as account_services
from accounts.models import Role, User
from grades.rules.registry import rule_set_code_for
from schools import services as school_services
from schools.models import (
    ClassSubject,
    Department,
    DistrictOffice,
    Enrolment,
    HomeroomAssignment,
    ProvinceOffice,
    School,
    SchoolYear,
    Student,
    Subject,
    TeachingAssignment,
)
from schools.services import TermSpec

from . import names

SCHOOL_CODE = "THCS-BINHAN"
DEMO_PASSWORD = "sodiem2026"  # noqa: S105 - the documented demo password, printed in README
SEED = 20261201

# The Thông tư 22 subject list of lower-secondary school (R22-SUB-3): code, name, kind, periods
# per year by grade, department.
SUBJECTS = [
    ("van", "Ngữ văn", "score", {6: 140, 7: 140, 8: 140, 9: 140}, "Ngữ văn – Sử – Địa – GDCD"),
    ("toan", "Toán", "score", {6: 140, 7: 140, 8: 140, 9: 140}, "Toán – Tin"),
    ("anh", "Tiếng Anh", "score", {6: 105, 7: 105, 8: 105, 9: 105}, "Ngoại ngữ"),
    ("gdcd", "Giáo dục công dân", "score", {6: 35, 7: 35, 8: 35, 9: 35}, "Ngữ văn – Sử – Địa – GDCD"),
    ("lsdl", "Lịch sử và Địa lí", "score", {6: 105, 7: 105, 8: 105, 9: 105}, "Ngữ văn – Sử – Địa – GDCD"),
    ("khtn", "Khoa học tự nhiên", "score", {6: 140, 7: 140, 8: 140, 9: 140}, "Khoa học tự nhiên – Công nghệ"),
    ("cong_nghe", "Công nghệ", "score", {6: 35, 7: 35, 8: 52, 9: 52}, "Khoa học tự nhiên – Công nghệ"),
    ("tin", "Tin học", "score", {6: 35, 7: 35, 8: 35, 9: 35}, "Toán – Tin"),
    ("gdtc", "Giáo dục thể chất", "comment", {6: 70, 7: 70, 8: 70, 9: 70}, "Nghệ thuật – Thể chất"),
    ("nghe_thuat", "Nghệ thuật", "comment", {6: 70, 7: 70, 8: 70, 9: 70}, "Nghệ thuật – Thể chất"),
    (
        "hdtn",
        "Hoạt động trải nghiệm, hướng nghiệp",
        "comment",
        {6: 105, 7: 105, 8: 105, 9: 105},
        "Nghệ thuật – Thể chất",
    ),
    ("gddp", "Nội dung giáo dục của địa phương", "comment", {6: 35, 7: 35, 8: 35, 9: 35}, "Ngữ văn – Sử – Địa – GDCD"),
]
# How many teachers each subject has; classes are dealt out among them in turn (25 in all).
TEACHERS_PER_SUBJECT = {
    "van": 3,
    "toan": 3,
    "anh": 2,
    "gdcd": 1,
    "lsdl": 2,
    "khtn": 3,
    "cong_nghe": 1,
    "tin": 1,
    "gdtc": 2,
    "nghe_thuat": 2,
    "hdtn": 3,
    "gddp": 2,
}
GRADES = (6, 7, 8, 9)
CLASS_LETTERS = ("A", "B", "C")

# Named demo accounts (README lists them).
STAFF = [
    ("hieutruong", "Phạm Thị Thu Hà", Role.PRINCIPAL),
    ("phohieutruong", "Nguyễn Văn Hùng", Role.VICE_PRINCIPAL),
    ("quantri", "Trần Minh Khoa", Role.ADMIN_BOARD),
    ("vanphong", "Lê Thị Hồng", Role.OFFICE),
]


@dataclass
class Summary:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def _rule_set(start_year: int, grade: int) -> str:
    return rule_set_code_for(start_year, grade)


def _person(rng: random.Random, gender: str) -> tuple[str, str]:
    family = rng.choice(names.FAMILY_NAMES)
    if gender == Student.Gender.FEMALE:
        middle = rng.choice(names.MIDDLE_FEMALE)
        if rng.random() < 0.25:
            middle = f"{middle} {rng.choice(['Ngọc', 'Thu', 'Minh', 'Bảo'])}"
        return f"{family} {middle}", rng.choice(names.GIVEN_FEMALE)
    middle = rng.choice(names.MIDDLE_MALE)
    return f"{family} {middle}", rng.choice(names.GIVEN_MALE)


def _phone(rng: random.Random) -> str:
    return rng.choice(["09", "03", "08", "07"]) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def _student(rng: random.Random, school: School, code: str, birth_year: int) -> Student:
    gender = rng.choice([Student.Gender.MALE, Student.Gender.FEMALE])
    family, given = _person(rng, gender)
    surname = family.split()[0]
    father_given = rng.choice(names.GIVEN_MALE)
    mother_family, mother_given = _person(rng, Student.Gender.FEMALE)
    dob = date(birth_year, 1, 1) + timedelta(days=rng.randint(0, 364))
    policy = rng.choices([c for c, _ in Student.PolicyFamily.choices], weights=[90, 1, 1, 1, 1, 1, 3, 2, 0], k=1)[0]
    return Student(
        school=school,
        student_code=code,
        national_id=f"031{rng.randint(0, 1)}{birth_year % 100:02d}{rng.randint(0, 999999):06d}",
        family_name=family,
        given_name=given,
        date_of_birth=dob,
        place_of_birth="Hải Phòng",
        gender=gender,
        ethnicity=rng.choice(names.ETHNICITIES),
        permanent_address=f"Số {rng.randint(1, 250)} {rng.choice(names.STREETS)}, {rng.choice(names.WARDS)}, "
        "TP Hải Phòng",
        policy_family=policy,
        father_name=f"{surname} {rng.choice(names.MIDDLE_MALE)} {father_given}",
        father_job=rng.choice(names.JOBS),
        father_phone=_phone(rng),
        mother_name=f"{mother_family} {mother_given}",
        mother_job=rng.choice(names.JOBS),
        mother_phone=_phone(rng),
        contact_phone=_phone(rng),
    )


def _year(school: School, start_year: int, current: bool, actor: User) -> SchoolYear:
    first = date(start_year, 9, 5)
    return school_services.school_year_create(
        school=school,
        start_year=start_year,
        start_date=first,
        end_date=date(start_year + 1, 5, 31),
        terms=[
            TermSpec(
                1,
                first,
                date(start_year + 1, 1, 16),
                date(start_year, 10, 26),
                date(start_year, 12, 21),
                date(start_year + 1, 1, 10),
            ),
            TermSpec(
                2,
                date(start_year + 1, 1, 18),
                date(start_year + 1, 5, 31),
                date(start_year + 1, 3, 15),
                date(start_year + 1, 5, 3),
                date(start_year + 1, 5, 20),
            ),
        ],
        rule_sets={grade: _rule_set(start_year, grade) for grade in GRADES},
        make_current=current,
        actor=actor,
    )


@transaction.atomic
def seed_demo(current_start_year: int = 2026) -> Summary:
    if School.objects.filter(code=SCHOOL_CODE).exists():
        return Summary(created=False)
    rng = random.Random(SEED)
    password = make_password(DEMO_PASSWORD)

    province = ProvinceOffice.objects.create(name="Sở Giáo dục và Đào tạo Hải Phòng", code="SGD-HP")
    district = DistrictOffice.objects.create(
        province=province, name="Phòng Giáo dục và Đào tạo quận Lê Chân", code="PGD-LC"
    )
    other_district = DistrictOffice.objects.create(
        province=province, name="Phòng Giáo dục và Đào tạo quận Ngô Quyền", code="PGD-NQ"
    )
    school = School.objects.create(
        district=district,
        name="Trường THCS Bình An",
        code=SCHOOL_CODE,
        level=School.Level.LOWER_SECONDARY,
        address="Số 12 Tô Hiệu, phường Lê Chân, TP Hải Phòng",
        commune="Phường Lê Chân",
        county="Quận Lê Chân",
        province="Thành phố Hải Phòng",
        phone="02253123456",
    )
    School.objects.create(
        district=other_district,
        name="Trường THCS Hòa Bình",
        code="THCS-HOABINH",
        level=School.Level.LOWER_SECONDARY,
        address="Số 5 Lạch Tray, TP Hải Phòng",
    )

    def make_user(username: str, full_name: str, home: School | None) -> User:
        user = account_services.user_create(
            username=username, full_name=full_name, password=None, school=home, phone=_phone(rng)
        )
        user.password = password  # one hash for every demo account: hashing 40 times is slow
        user.save(update_fields=["password"])
        return user

    staff = {}
    for username, full_name, role in STAFF:
        staff[username] = make_user(username, full_name, school)
        account_services.role_grant(user=staff[username], role=role, school=school)
    admin = staff["quantri"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])

    supervisor = make_user("phonggd", "Đỗ Văn Thanh", None)
    account_services.role_grant(user=supervisor, role=Role.SUPERVISOR, district=district)

    departments = {}
    subjects = {}
    for order, (code, name, kind, _periods, dept_name) in enumerate(SUBJECTS, start=1):
        if dept_name not in departments:
            departments[dept_name] = Department.objects.create(school=school, name=f"Tổ {dept_name}")
        subjects[code] = Subject.objects.create(
            school=school, department=departments[dept_name], code=code, name=name, kind=kind, order=order
        )

    # Teachers: gv01..gv25, grouped by subject in the order of the book.
    teachers: dict[str, list[User]] = {}
    number = 0
    for code, _name, _kind, _periods, _dept in SUBJECTS:
        for _ in range(TEACHERS_PER_SUBJECT[code]):
            number += 1
            gender = rng.choice([Student.Gender.MALE, Student.Gender.FEMALE])
            family, given = _person(rng, gender)
            teacher = make_user(f"gv{number:02d}", f"{family} {given}", school)
            account_services.role_grant(user=teacher, role=Role.TEACHER, school=school)
            teachers.setdefault(code, []).append(teacher)
    # The first teacher of each department's first subject heads the department.
    for dept in departments.values():
        first_code = next(c for c, *_rest, d in SUBJECTS if f"Tổ {d}" == dept.name)
        account_services.role_grant(
            user=teachers[first_code][0], role=Role.DEPARTMENT_HEAD, school=school, department=dept
        )

    summary = Summary(created=True)
    previous = _year(school, current_start_year - 1, False, admin)
    current = _year(school, current_start_year, True, admin)
    for year in (previous, current):
        for code, _name, _kind, periods, _dept in SUBJECTS:
            for grade in GRADES:
                school_services.subject_offer(
                    school_year=year,
                    subject=subjects[code],
                    grade_levels=[grade],
                    periods_per_year=periods[grade],
                    actor=admin,
                )

    # Students: this year's grade 7-9 were last year's grade 6-8; last year's grade 9 graduated.
    code_counter = iter(range(1, 10_000))

    def new_students(grade: int, start_year: int, count: int) -> list[Student]:
        birth_year = start_year - grade - 5
        return [_student(rng, school, f"HP{31000000 + next(code_counter):08d}", birth_year) for _ in range(count)]

    cohorts: dict[tuple[int, str], list[Student]] = {}
    for grade in GRADES:
        for letter in CLASS_LETTERS:
            cohorts[(grade, letter)] = new_students(grade, previous.start_year, rng.randint(40, 45))
    for letter in CLASS_LETTERS:
        cohorts[(5, letter)] = new_students(6, current.start_year, rng.randint(40, 45))  # new grade 6
    all_students = [s for group in cohorts.values() for s in group]
    school_services.students_create(
        school=school, students=all_students, actor=admin, reason="Nhập danh sách học sinh (dữ liệu mẫu)"
    )

    homeroom_pool = [
        t for code in ("van", "toan", "anh", "khtn", "lsdl", "gdcd", "tin", "cong_nghe", "gddp") for t in teachers[code]
    ]
    for year, shift in ((previous, 0), (current, 1)):
        classes = []
        for grade in GRADES:
            for letter in CLASS_LETTERS:
                class_group = school_services.class_group_create(
                    school_year=year, grade_level=grade, name=f"{grade}{letter}", actor=admin
                )
                school_services.enrolments_create(
                    class_group=class_group,
                    students=cohorts[(grade - shift, letter)],
                    enrolled_on=year.start_date,
                    actor=admin,
                    reason="Xếp lớp đầu năm (dữ liệu mẫu)",
                )
                classes.append(class_group)
        for index, class_group in enumerate(classes):
            account_services.homeroom_assign(
                teacher=homeroom_pool[index], class_group=class_group, starts_on=year.start_date, actor=admin
            )
        # Deal each subject's classes out among its teachers.
        class_subjects = (
            ClassSubject.objects.filter(class_group__school_year=year)
            .select_related("class_group", "subject")
            .order_by("subject__order", "class_group__grade_level", "class_group__name")
        )
        dealt: dict[str, int] = {}
        for cs in class_subjects:
            pool = teachers[cs.subject.code]
            turn = dealt.get(cs.subject.code, 0)
            teacher = pool[(turn * len(pool)) // 12] if len(pool) > 1 else pool[0]
            dealt[cs.subject.code] = turn + 1
            account_services.teaching_assign(teacher=teacher, class_subject=cs, starts_on=year.start_date, actor=admin)
        if year is previous:
            # Last year is over: its assignments ended with the year, and its rights with them.
            for homeroom in HomeroomAssignment.objects.filter(class_group__school_year=year, ends_on__isnull=True):
                account_services.homeroom_end(
                    assignment=homeroom, ends_on=year.end_date, actor=admin, reason="Kết thúc năm học"
                )
            for teaching in TeachingAssignment.objects.filter(
                class_subject__class_group__school_year=year, ends_on__isnull=True
            ):
                account_services.teaching_end(
                    assignment=teaching, ends_on=year.end_date, actor=admin, reason="Kết thúc năm học"
                )
            school_services.enrolments_set_status(
                enrolments=Enrolment.objects.filter(school_year=year, class_group__grade_level=9),
                status=Enrolment.Status.GRADUATED,
                actor=admin,
                reason="Hoàn thành chương trình THCS",
            )

    # Movements this year: one transfer out and one dropout in 7A, one transfer in to 8B.
    enrol_7a = list(Enrolment.objects.filter(school_year=current, class_group__name="7A").order_by("pk"))
    school_services.enrolment_leave(
        enrolment=enrol_7a[3],
        status=Enrolment.Status.TRANSFERRED_OUT,
        left_on=date(current.start_year, 10, 15),
        actor=admin,
        transfer_school="Trường THCS Trần Phú, Hà Nội",
        note="Gia đình chuyển nơi ở",
    )
    school_services.enrolment_leave(
        enrolment=enrol_7a[7],
        status=Enrolment.Status.DROPPED_OUT,
        left_on=date(current.start_year, 11, 2),
        actor=admin,
        note="Hoàn cảnh gia đình khó khăn",
    )
    newcomer = new_students(8, current.start_year, 1)
    school_services.students_create(school=school, students=newcomer, actor=admin, reason="Học sinh chuyển đến")
    class_8b = current.classes.get(name="8B")
    school_services.enrolments_create(
        class_group=class_8b,
        students=newcomer,
        enrolled_on=date(current.start_year, 10, 1),
        actor=admin,
        reason="Học sinh chuyển đến",
        status=Enrolment.Status.TRANSFERRED_IN,
        transfer_school="Trường THCS Lê Lợi, Quảng Ninh",
    )

    # Families: three parents and one student account.
    enrol_6a = list(
        Enrolment.objects.filter(school_year=current, class_group__name="6A").select_related("student").order_by("pk")
    )
    for number, enrolment in enumerate(enrol_6a[:3], start=1):
        student = enrolment.student
        parent = make_user(f"phuhuynh{number}", student.mother_name, school)
        account_services.role_grant(user=parent, role=Role.PARENT, student=student)
    pupil = make_user("hocsinh1", enrol_6a[0].student.full_name, school)
    account_services.role_grant(user=pupil, role=Role.STUDENT, student=enrol_6a[0].student)

    summary.counts = {
        "students": Student.objects.filter(school=school).count(),
        "classes": current.classes.count(),
        "teachers": sum(len(v) for v in teachers.values()),
        "users": User.objects.count(),
    }
    from .attendance import seed_attendance

    seed_attendance(current)
    from .scores import seed_scores

    summary.counts["score cells"] = seed_scores(previous=previous, current=current)
    from .results import seed_results

    summary.counts["results last year"] = seed_results(previous)
    return summary
