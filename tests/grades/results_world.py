"""A class with its subjects, teachers and homeroom teacher for the conduct and results tests, under
either rule set, and helpers that fill it through the product's services (scores, conduct,
attendance months)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from attendance.models import MonthCompletion
from attendance.selectors import month_range, year_months
from attendance.services import attendance_month_complete
from grades.grid import grid_spec
from grades.models import TERM1, TERM2
from grades.results_services import ConductEntry, conduct_record_many
from grades.services import Entry, score_record_many
from schools import services as school_services
from schools.models import ClassGroup, ClassSubject, Enrolment, School, SchoolYear, Subject
from schools.services import TermSpec
from tests.factories import make_school, make_students, make_user

# (code, name, kind, periods) of each rule set's subjects: six scored subjects (the least that can
# reach a TT22 learning level) and one comment subject.
SUBJECTS = {
    "tt22_2021": [
        ("van", "Ngữ văn", "score", 140),
        ("toan", "Toán", "score", 140),
        ("anh", "Tiếng Anh", "score", 105),
        ("gdcd", "Giáo dục công dân", "score", 35),
        ("khtn", "Khoa học tự nhiên", "score", 140),
        ("tin", "Tin học", "score", 35),
        ("gdtc", "Giáo dục thể chất", "comment", 70),
    ],
    "tt58_2011": [
        ("van", "Ngữ văn", "score", 140),
        ("toan", "Toán", "score", 140),
        ("anh", "Tiếng Anh", "score", 105),
        ("gdcd", "Giáo dục công dân", "score", 35),
        ("vat_li", "Vật lí", "score", 35),
        ("tin", "Tin học", "score", 70),
        ("the_duc", "Thể dục", "comment", 70),
    ],
}
START_YEARS = {"tt22_2021": 2026, "tt58_2011": 2018}


@dataclass
class ResultsWorld:
    school: School
    year: SchoolYear
    rule_set: str
    class_group: ClassGroup
    enrolments: list[Enrolment]
    subjects: dict[str, Subject]
    teachers: dict[str, User]  # subject code -> its teacher
    homeroom: User
    users: dict[str, User] = field(default_factory=dict)

    def class_subject(self, code: str) -> ClassSubject:
        return ClassSubject.objects.select_related("class_group__school_year", "subject").get(
            class_group=self.class_group, subject__code=code
        )

    @property
    def end(self) -> date:
        return self.year.end_date

    def summer_moment(self) -> datetime:
        """A moment of the summer after the year, before its results are due."""
        return timezone.make_aware(datetime.combine(date(self.year.end_date.year, 7, 15), time(9, 0)))


def make_results_world(rule_set: str = "tt22_2021", students: int = 5, grade: int = 9, **year) -> ResultsWorld:
    school = make_school()
    start = year.get("start_year", START_YEARS[rule_set])
    school_year = school_services.school_year_create(
        school=school,
        start_year=start,
        start_date=date(start, 9, 5),
        end_date=date(start + 1, 5, 31),
        terms=[
            TermSpec(1, date(start, 9, 5), date(start + 1, 1, 16), final_test_date=date(start, 12, 20)),
            TermSpec(2, date(start + 1, 1, 18), date(start + 1, 5, 31), final_test_date=date(start + 1, 5, 10)),
        ],
        rule_sets=dict.fromkeys(school.grade_levels, rule_set),
        make_current=True,
    )
    subjects = {}
    for order, (code, name, kind, periods) in enumerate(SUBJECTS[rule_set], start=1):
        subjects[code] = Subject.objects.create(school=school, code=code, name=name, kind=kind, order=order)
        school_services.subject_offer(
            school_year=school_year,
            subject=subjects[code],
            grade_levels=list(school.grade_levels),
            periods_per_year=periods,
        )
    class_group = school_services.class_group_create(school_year=school_year, grade_level=grade, name=f"{grade}A")
    enrolments = school_services.enrolments_create(
        class_group=class_group,
        students=make_students(school, students),
        enrolled_on=school_year.start_date,
        actor=None,
        reason="test",
    )
    homeroom = make_user(school, Role.TEACHER)
    account_services.homeroom_assign(
        teacher=homeroom, class_group=class_group, starts_on=school_year.start_date, actor=None
    )
    teachers = {}
    for cs in ClassSubject.objects.filter(class_group=class_group).select_related("subject"):
        teacher = make_user(school, Role.TEACHER)
        account_services.teaching_assign(
            teacher=teacher, class_subject=cs, starts_on=school_year.start_date, actor=None
        )
        teachers[cs.subject.code] = teacher
    users = {
        role: make_user(school, role) for role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE)
    }
    return ResultsWorld(
        school=school,
        year=school_year,
        rule_set=rule_set,
        class_group=ClassGroup.objects.select_related("school_year__school").get(pk=class_group.pk),
        enrolments=sorted(enrolments, key=lambda e: e.pk),
        subjects=subjects,
        teachers=teachers,
        homeroom=homeroom,
        users=users,
    )


def score_text(value) -> str:
    return f"{Decimal(value):.1f}".replace(".", ",")


def fill_term(world: ResultsWorld, number: int, value_for) -> None:
    """Enter every cell of a term in every subject: ``value_for(index of the student, subject code)``
    gives the score (a number) of a scored subject or "Đ"/"CĐ" of a comment subject."""
    for code in world.subjects:
        class_subject = world.class_subject(code)
        spec = grid_spec(class_subject)
        term = spec.term_by_number(number)
        entries = []
        for index, enrolment in enumerate(world.enrolments):
            value = value_for(index, code)
            text = value if isinstance(value, str) else score_text(value)
            entries.extend(Entry(enrolment.pk, term.pk, column.key, text) for column in spec.columns)
        score_record_many(
            actor=world.teachers[code], class_subject=class_subject, entries=entries, reason="test", spec=spec
        )


def rate(world: ResultsWorld, period: str, levels, now: datetime | None = None) -> None:
    """Rate conduct: ``levels`` a list by student (in ``world.enrolments`` order) or one level for all."""
    if isinstance(levels, str):
        levels = [levels] * len(world.enrolments)
    conduct_record_many(
        actor=world.homeroom,
        class_group=world.class_group,
        entries=[
            ConductEntry(e.pk, period, level, version=None) for e, level in zip(world.enrolments, levels, strict=True)
        ],
        now=now,
    )


def complete_months(world: ResultsWorld, until: date | None = None) -> None:
    """The homeroom teacher confirms the attendance of every month of the year (up to ``until``)."""
    done = set(MonthCompletion.objects.filter(class_group=world.class_group).values_list("year", "month"))
    for y, m in year_months(world.year):
        if (until is not None and month_range(y, m)[1] > until) or (y, m) in done:
            continue
        attendance_month_complete(class_group=world.class_group, year=y, month=m, actor=world.homeroom, today=world.end)


def term_ready(world: ResultsWorld, number: int, value_for, level) -> None:
    fill_term(world, number, value_for)
    rate(world, TERM1 if number == 1 else TERM2, level)


def add_class(world: ResultsWorld, name: str, students: int = 2) -> tuple[ClassGroup, User, list[Enrolment]]:
    """Another class of the same grade, with its own homeroom teacher and subject teachers."""
    class_group = school_services.class_group_create(
        school_year=world.year, grade_level=world.class_group.grade_level, name=name
    )
    enrolments = school_services.enrolments_create(
        class_group=class_group,
        students=make_students(world.school, students),
        enrolled_on=world.year.start_date,
        actor=None,
        reason="test",
    )
    homeroom = make_user(world.school, Role.TEACHER)
    account_services.homeroom_assign(
        teacher=homeroom, class_group=class_group, starts_on=world.year.start_date, actor=None
    )
    for cs in ClassSubject.objects.filter(class_group=class_group):
        account_services.teaching_assign(
            teacher=make_user(world.school, Role.TEACHER), class_subject=cs, starts_on=world.year.start_date, actor=None
        )
    return class_group, homeroom, enrolments
