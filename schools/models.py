"""The school data model: offices, schools, years, terms, calendar, subjects, classes, students.

Every model a person edits keeps its history (django-simple-history). Database constraints hold
the invariants that must never break whatever code path writes (a student enrolled twice in one
year, a term that ends before it starts).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

GRADE_LEVELS = tuple(range(6, 13))
LOWER_SECONDARY_GRADES = (6, 7, 8, 9)
UPPER_SECONDARY_GRADES = (10, 11, 12)


class RuleSetCode(models.TextChoices):
    """The assessment rule sets; the engine in grades/rules is keyed by these codes."""

    TT22_2021 = "tt22_2021", _("Circular 22/2021")
    TT58_TT26_2020 = "tt58_tt26_2020", _("Circular 58/2011 as amended by 26/2020")
    TT58_2011 = "tt58_2011", _("Circular 58/2011")


class ProvinceOffice(models.Model):
    """Sở Giáo dục và Đào tạo."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("province office")
        verbose_name_plural = _("province offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DistrictOffice(models.Model):
    """Phòng Giáo dục và Đào tạo."""

    province = models.ForeignKey(
        ProvinceOffice, on_delete=models.PROTECT, related_name="districts", verbose_name=_("province office")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district office")
        verbose_name_plural = _("district offices")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["province", "name"], name="district_unique_name_in_province")]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Level(models.TextChoices):
        LOWER_SECONDARY = "thcs", _("Lower-secondary school (THCS)")
        UPPER_SECONDARY = "thpt", _("Upper-secondary school (THPT)")

    district = models.ForeignKey(
        DistrictOffice, on_delete=models.PROTECT, related_name="schools", verbose_name=_("district office")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("school code"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=4, choices=Level.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The administrative place printed on the books' covers (Xã/Phường, Huyện/Quận, Tỉnh/Thành phố,
    # assessment-rules.md §10.2 item 1); the address stands in for an empty one.
    commune = models.CharField(_("commune / ward"), max_length=100, blank=True)
    county = models.CharField(
        _("district (before the 2025 reform)"),
        max_length=100,
        blank=True,
        help_text=_("Printed on the covers of books of school years before 2025-2026 only."),
    )
    province = models.CharField(_("province / city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    saturday_is_school_day = models.BooleanField(
        _("classes on Saturday"), default=False, help_text=_("Saturdays count as school days for attendance.")
    )
    saturday_is_working_day = models.BooleanField(
        _("Saturday counts for deadlines"),
        default=False,
        help_text=_("Saturdays count as working days when entry deadlines are computed."),
    )
    two_sessions = models.BooleanField(
        _("two sessions a day"), default=False, help_text=_("Attendance is taken by morning and afternoon.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_levels(self) -> tuple[int, ...]:
        return LOWER_SECONDARY_GRADES if self.level == self.Level.LOWER_SECONDARY else UPPER_SECONDARY_GRADES


class SchoolYear(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="years", verbose_name=_("school"))
    start_year = models.PositiveSmallIntegerField(_("start year"))
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    is_current = models.BooleanField(_("current year"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["school", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "start_year"], name="year_unique_per_school"),
            models.UniqueConstraint(
                fields=["school"], condition=Q(is_current=True), name="year_one_current_per_school"
            ),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="year_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"


class GradeRuleSet(models.Model):
    """The assessment rule set that applies to one grade level in one school year (R-SEL-1, R-SEL-2)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="rule_sets", verbose_name=_("school year")
    )
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    rule_set = models.CharField(_("rule set"), max_length=20, choices=RuleSetCode.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule set of a grade")
        verbose_name_plural = _("rule sets of grades")
        ordering = ["school_year", "grade_level"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "grade_level"], name="ruleset_one_per_grade_year"),
            models.CheckConstraint(condition=Q(grade_level__gte=6, grade_level__lte=12), name="ruleset_grade_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} – {self.grade_level}: {self.get_rule_set_display()}"


class Term(models.Model):
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("school year")
    )
    number = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("Term I")), (2, _("Term II"))])
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    regular_entry_deadline = models.DateField(_("deadline for regular assessments"), null=True, blank=True)
    midterm_test_date = models.DateField(_("mid-term test date"), null=True, blank=True)
    final_test_date = models.DateField(_("end-of-term test date"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["school_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "number"], name="term_unique_per_year"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="term_ends_after_start"),
            models.CheckConstraint(
                condition=Q(midterm_test_date__isnull=True)
                | Q(midterm_test_date__gte=F("start_date"), midterm_test_date__lte=F("end_date")),
                name="term_midterm_inside_term",
            ),
            models.CheckConstraint(
                condition=Q(final_test_date__isnull=True)
                | Q(final_test_date__gte=F("start_date"), final_test_date__lte=F("end_date")),
                name="term_final_inside_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_number_display()} {self.school_year}"


class CalendarDay(models.Model):
    """A school's exception to the ordinary calendar: a day off (weather, epidemic) or a make-up day."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="calendar_days", verbose_name=_("school"))
    date = models.DateField(_("date"))
    is_school_day = models.BooleanField(
        _("school day"), default=False, help_text=_("Unticked: the school is closed that day.")
    )
    reason = models.CharField(_("reason"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["school", "date"]
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="calendar_day_unique")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.reason}"


class Department(models.Model):
    """Tổ chuyên môn."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="departments", verbose_name=_("school"))
    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["school", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    class Kind(models.TextChoices):
        SCORE = "score", _("Scored")
        COMMENT = "comment", _("Comment (Pass / Not yet pass)")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("school"))
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="subjects",
        null=True,
        blank=True,
        verbose_name=_("department"),
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("assessment kind"), max_length=10, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order in the book"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["school", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="subject_unique_code")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_comment(self) -> bool:
        return self.kind == self.Kind.COMMENT


class SubjectOffering(models.Model):
    """A subject taught to a grade level in a school year, with its periods per year (R22-ASM-2)."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="offerings", verbose_name=_("school year")
    )
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("subject"))
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    periods_per_year = models.PositiveSmallIntegerField(_("periods per year"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject of a grade")
        verbose_name_plural = _("subjects of grades")
        ordering = ["school_year", "grade_level", "subject__order"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "subject", "grade_level"], name="offering_unique_per_grade"),
            models.CheckConstraint(condition=Q(periods_per_year__gt=0), name="offering_periods_positive"),
            models.CheckConstraint(
                condition=Q(grade_level__gte=6, grade_level__lte=12), name="offering_grade_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.grade_level} ({self.periods_per_year})"


class ClassGroup(models.Model):
    """Lớp: a class of students in one school year."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classes", verbose_name=_("school year")
    )
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    name = models.CharField(_("name"), max_length=20)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["school_year", "grade_level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "name"], name="class_unique_name_in_year"),
            models.CheckConstraint(condition=Q(grade_level__gte=6, grade_level__lte=12), name="class_grade_in_range"),
        ]
        permissions = [
            ("homeroom_classgroup", "Is the homeroom teacher of the class"),
            ("teach_classgroup", "Teaches at least one subject in the class"),
        ]

    def __str__(self) -> str:
        return self.name


class ClassSubject(models.Model):
    """A subject as taught in one class: what a grade grid, a lock and a book page are about."""

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="class_subjects", verbose_name=_("class")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="class_subjects", verbose_name=_("subject")
    )

    class Meta:
        verbose_name = _("subject of a class")
        verbose_name_plural = _("subjects of classes")
        ordering = ["class_group", "subject__order"]
        constraints = [models.UniqueConstraint(fields=["class_group", "subject"], name="class_subject_unique")]
        permissions = [("enter_scores_classsubject", "Enters the scores of the subject in the class")]

    def __str__(self) -> str:
        return f"{self.class_group} – {self.subject}"


class TeachingAssignment(models.Model):
    """Phân công giảng dạy: a teacher teaches a subject in a class. Several teachers may share one
    integrated subject (R22-SUB-5). An assignment ends by getting an end date, never by deletion."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="teaching_assignments",
        verbose_name=_("teacher"),
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("subject of a class")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        ordering = ["class_subject", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "class_subject"],
                condition=Q(ends_on__isnull=True),
                name="teaching_one_open_per_teacher_subject",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="teaching_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} – {self.class_subject}"


class HomeroomAssignment(models.Model):
    """Giáo viên chủ nhiệm of a class; at most one open assignment per class."""

    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="homeroom_assignments",
        verbose_name=_("teacher"),
    )
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="homeroom_assignments", verbose_name=_("class")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("homeroom assignment")
        verbose_name_plural = _("homeroom assignments")
        ordering = ["class_group", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["class_group"], condition=Q(ends_on__isnull=True), name="homeroom_one_open_per_class"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="homeroom_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} – {self.class_group}"


class Student(models.Model):
    """A student's profile (LC Điều 7.1; section 13.1 of the rules document)."""

    class Gender(models.TextChoices):
        MALE = "nam", _("Male")
        FEMALE = "nu", _("Female")

    class PolicyFamily(models.TextChoices):
        NONE = "", _("None")
        MARTYR = "liet_si", _("Child of a martyr")
        WAR_INVALID = "thuong_binh", _("Child of a war invalid")
        SICK_SOLDIER = "benh_binh", _("Child of a sick soldier")
        LIKE_WAR_INVALID = "nhu_thuong_binh", _("Child of a person treated as a war invalid")
        REVOLUTION_MERIT = "co_cong", _("Child of a family with merit to the revolution")
        POOR = "ho_ngheo", _("Poor household")
        NEAR_POOR = "can_ngheo", _("Near-poor household")
        ETHNIC_HARDSHIP = "dtts_dbkk", _("Ethnic minority in an area of special hardship")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school"))
    student_code = models.CharField(_("student code"), max_length=20)
    national_id = models.CharField(_("personal ID number"), max_length=12, blank=True)
    family_name = models.CharField(_("family and middle name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=50)
    date_of_birth = models.DateField(_("date of birth"))
    place_of_birth = models.CharField(_("place of birth"), max_length=200, blank=True)
    gender = models.CharField(_("gender"), max_length=3, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=50, default="Kinh")
    religion = models.CharField(_("religion"), max_length=50, blank=True)
    nationality = models.CharField(_("nationality"), max_length=50, default="Việt Nam")
    permanent_address = models.CharField(_("permanent address"), max_length=300)
    current_address = models.CharField(_("current address"), max_length=300, blank=True)
    policy_family = models.CharField(
        _("policy family"), max_length=20, choices=PolicyFamily.choices, blank=True, default=""
    )
    disability = models.CharField(_("disability"), max_length=200, blank=True)
    father_name = models.CharField(_("father's name"), max_length=100, blank=True)
    father_job = models.CharField(_("father's occupation"), max_length=100, blank=True)
    father_phone = models.CharField(_("father's phone"), max_length=15, blank=True)
    mother_name = models.CharField(_("mother's name"), max_length=100, blank=True)
    mother_job = models.CharField(_("mother's occupation"), max_length=100, blank=True)
    mother_phone = models.CharField(_("mother's phone"), max_length=15, blank=True)
    guardian_name = models.CharField(_("guardian's name"), max_length=100, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=15, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=15)
    notes = models.TextField(_("notable changes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.UniqueConstraint(fields=["school", "student_code"], name="student_unique_code"),
            models.CheckConstraint(
                condition=~Q(father_name="") | ~Q(mother_name="") | ~Q(guardian_name=""),
                name="student_has_parent_or_guardian",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()


class Enrolment(models.Model):
    """A student in a class for one school year, with the dates of arrival and departure."""

    class Status(models.TextChoices):
        STUDYING = "studying", _("Studying")
        TRANSFERRED_IN = "transferred_in", _("Transferred in")
        TRANSFERRED_OUT = "transferred_out", _("Transferred out")
        DROPPED_OUT = "dropped_out", _("Dropped out")
        GRADUATED = "graduated", _("Completed the programme")

    LEFT_STATUSES = (Status.TRANSFERRED_OUT, Status.DROPPED_OUT)

    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("student"))
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class")
    )
    # Denormalised from the class so the database itself refuses a second enrolment in one year.
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("school year")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.STUDYING)
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    transfer_school = models.CharField(_("school transferred from / to"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"], name="enrolment_once_per_year"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("enrolled_on")),
                name="enrolment_leaves_after_arrival",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["transferred_out", "dropped_out"]) | Q(left_on__isnull=False),
                name="enrolment_leaver_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} – {self.class_group}"

    @property
    def has_left(self) -> bool:
        return self.status in self.LEFT_STATUSES

    def is_active_on(self, day) -> bool:
        """Whether the student counts in the class on that day (excluded after leaving, P-ST-2)."""
        if day < self.enrolled_on:
            return False
        return not (self.has_left and self.left_on is not None and day >= self.left_on)


class BookLock(models.Model):
    """A lock or an unlock of part of the book, decided by the principal and carried out by the
    admin board (BM Đ3.3, BM Đ8.2, P-LOCK-1..3).

    A row applies to a scope (the whole school for a term, a grade level, a class, a class's
    subject, or one column of a class's subject) during [starts_at, ends_at). For any cell the most
    specific row in force decides; among rows of the same scope the latest start wins. So a school-
    wide lock with a one-class unlock until Friday leaves that class open until Friday and locked
    after it. ``column`` names a score column of the rule set ("tx1", "gk", "ck" …) or one of
    ``"comment"``, ``"conduct"``, ``"attendance"``, ``"results"``; empty means every column.
    """

    class Action(models.TextChoices):
        LOCK = "lock", _("Lock")
        UNLOCK = "unlock", _("Unlock")

    class Scope(models.IntegerChoices):
        # The value is the specificity: a higher number overrides a lower one.
        SCHOOL = 1, _("Whole school")
        GRADE = 2, _("Grade level")
        CLASS = 3, _("Class")
        CLASS_SUBJECT = 4, _("Subject of a class")
        COLUMN = 5, _("One column")

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="locks", verbose_name=_("school year")
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="locks",
        null=True,
        blank=True,
        verbose_name=_("term"),
        help_text=_("Empty: the year's results."),
    )
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    scope = models.PositiveSmallIntegerField(_("scope"), choices=Scope.choices)
    grade_level = models.PositiveSmallIntegerField(_("grade level"), null=True, blank=True)
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="locks", verbose_name=_("class")
    )
    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="locks",
        verbose_name=_("subject of a class"),
    )
    column = models.CharField(_("column"), max_length=20, blank=True)
    starts_at = models.DateTimeField(_("in force from"))
    ends_at = models.DateTimeField(_("in force until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="locks_decided",
        verbose_name=_("decided by"),
    )
    decision_reference = models.CharField(_("decision"), max_length=100, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="locks_executed",
        null=True,
        blank=True,
        verbose_name=_("carried out by"),
    )
    executed_at = models.DateTimeField(_("carried out at"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lock")
        verbose_name_plural = _("locks")
        ordering = ["school_year", "-starts_at"]
        indexes = [models.Index(fields=["school_year", "term", "scope"], name="lock_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="lock_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope=1, grade_level__isnull=True, class_group__isnull=True, class_subject__isnull=True)
                    | Q(scope=2, grade_level__isnull=False, class_group__isnull=True, class_subject__isnull=True)
                    | Q(scope=3, class_group__isnull=False, class_subject__isnull=True)
                    | Q(scope__in=[4, 5], class_subject__isnull=False)
                ),
                name="lock_scope_fields",
            ),
            models.CheckConstraint(condition=~Q(scope=5) | ~Q(column=""), name="lock_column_scope_has_column"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.get_scope_display()} ({self.reason[:40]})"

    def in_force(self, moment) -> bool:
        return (
            self.executed_at is not None
            and self.starts_at <= moment
            and (self.ends_at is None or moment < self.ends_at)
        )


class AuditSeal(models.Model):
    """One link of the hash chain over the history tables (performance §3, goal G6).

    A seal covers the history rows of one historical model with ``after_history_id < history_id <=
    last_history_id``: their ids and row hashes are packed in ``rows`` and folded, with the previous
    seal's digest, into ``digest``. Seals are only ever appended (``schools.audit``); the newest
    digest is printed on the books, so a change made later to a sealed row, or to the seals, no
    longer matches the paper. No history of its own: the chain is its own record.
    """

    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    model_label = models.CharField(_("history table"), max_length=100)
    after_history_id = models.BigIntegerField(_("after history id"))
    last_history_id = models.BigIntegerField(_("last history id"))
    count = models.PositiveIntegerField(_("rows"))
    fields = models.JSONField(_("columns"))
    rows = models.BinaryField(_("row hashes"))
    prev_digest = models.CharField(_("previous digest"), max_length=64)
    digest = models.CharField(_("digest"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"))

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        ordering = ["seq"]
        indexes = [models.Index(fields=["model_label", "last_history_id"], name="audit_seal_model")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.digest[:16]}"
