"""G16 (performance-and-reliability.md): for every URL pattern that takes an object id, a person
outside the object's scope gets 403 or 404 on GET and on POST, and nothing in the database changes.

The patterns come from the URLconf itself (``django.urls.get_resolver()``, every included app). Each
one must have an entry in ``ROUTES`` saying how to build a real object for it, who owns it and what a
typical POST sends: a new URL with an id and no entry fails ``test_every_url_with_an_id_is_mapped``.

Every object is built twice, on two "sides" seen from school A (roles-and-permissions.md: rights are
per school, per class and per class × subject):

- ``other_school``: class 6A of another school B;
- ``other_class``: class 6B of school A itself, whose object (its first subject, its minutes...)
  the outsiders below neither teach nor lead.

The outsiders are people of school A: a subject teacher of 6A, the homeroom teacher of 6A, the
teacher of 6B's *other* subject, 6B's homeroom and first-subject teachers until 1 October (their
assignments ended: "every right ends when the assignment ends"), a department head of another
department, a parent of a 6A student, a 6A student, an anonymous visitor; against school B also
A's principal, vice-principal, admin board and office and the supervisor of A's district. Each of them does a GET
and a POST with typical form data; each answer must be 403 or 404 (the login page or 401 for the
anonymous visitor; 405 only for a method the owner gets 405 for too), and a checksum of every table
must not move. Then the owner of the object (its teacher, homeroom teacher, principal, office,
supervisor...) opens the same URL and must *not* be refused: the URL really points at the object,
so the outsiders' refusals are not an accident of a wrong id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Role, User
from attendance.models import ClassListImport
from corrections import services as correction_services
from corrections.models import Correction
from exports import services as export_services
from exports.models import DistrictWorkbook, ResultsExport
from grades.services import REASON_GRID, Entry, score_record_many
from grades.views import IMPORT_SALT
from portal import services as portal_services
from printing import jobs
from printing.models import BookRegister, Job
from schools.models import (
    BookLock,
    ClassGroup,
    ClassSubject,
    Department,
    Enrolment,
    School,
    SchoolYear,
    TeachingAssignment,
    Term,
)
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LOGIN_URL = "/tai-khoan/dang-nhap/"
SKIPPED_PREFIXES = ("quan-tri-django/", "static/", "media/", "__debug__/")


# --- the URLconf ------------------------------------------------------------------------------------


def _has_arguments(pattern) -> bool:
    converters = getattr(pattern, "converters", None)
    if converters:
        return True
    regex = getattr(pattern, "regex", None)
    return bool(regex is not None and regex.groups)


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "", inherited: bool = False):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        with_id = inherited or _has_arguments(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, ns, with_id)
        elif isinstance(entry, URLPattern) and with_id:
            yield f"{namespace}{entry.name}" if entry.name else route


def patterns_with_an_id() -> set[str]:
    """Names ("app:name") of every URL pattern, in every included URLconf, that takes an argument."""
    return set(_walk(get_resolver()))


# --- the two sides and their objects ----------------------------------------------------------------


def _finish_file(owner, name: str, content: bytes = PDF_BYTES, content_type: str = "application/pdf") -> None:
    """A job (or district workbook) as its worker leaves it: done, with its file and hash."""
    owner.file.save(name, ContentFile(content), save=False)
    owner.file_name = name
    owner.content_type = content_type
    owner.size = len(content)
    owner.sha256 = hashlib.sha256(content).hexdigest()
    owner.status = Job.Status.DONE
    owner.progress = 100
    owner.finished_at = timezone.now()
    owner.save()


@dataclass
class Side:
    """A class and the people and objects around it, as seen by the outsiders of school A."""

    kind: str
    school: School
    year: SchoolYear
    class_group: ClassGroup
    cs: ClassSubject
    term: Term
    enrolment: Enrolment
    teacher: User
    homeroom: User
    principal: User
    admin: User
    office: User
    cache: dict = field(default_factory=dict)

    def _once(self, key: str, build: Callable):
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    # people
    @property
    def supervisor(self) -> User:
        return self._once("supervisor", lambda: make_user(None, Role.SUPERVISOR, district=self.school.district))

    # grades and corrections
    def lock(self) -> BookLock:
        """Term I of the subject scored and locked (the principal decides, the admin board executes)."""

        def build():
            entries = [Entry(self.enrolment.pk, self.term.pk, "regular_1", "7", None)]
            score_record_many(actor=self.teacher, class_subject=self.cs, entries=entries, reason=REASON_GRID)
            rows = correction_services.lock_decide(
                actor=self.principal,
                school_year=self.year,
                action=BookLock.Action.LOCK,
                scope=BookLock.Scope.CLASS_SUBJECT,
                reason="Khóa sổ sau hạn nhập điểm",
                term=self.term,
                class_subject=self.cs,
            )
            return correction_services.lock_execute(actor=self.admin, lock=rows[0])[0]

        return self._once("lock", build)

    def correction(self) -> Correction:
        """Submitted correction minutes of the locked subject, with a line and a scan as evidence:
        seen by their teacher, the principal, the admin board and the homeroom teacher."""

        def build():
            self.lock()
            correction = correction_services.correction_create(
                actor=self.teacher, kind="score", term=self.term, class_subject=self.cs, place="Phòng họp"
            )
            correction_services.correction_line_add(
                actor=self.teacher,
                correction=correction,
                enrolment=self.enrolment,
                column="regular_1",
                new_value="9",
                reason_code="entry_error",
                reason_text="Nhập nhầm so với sổ cá nhân",
            )
            upload = SimpleUploadedFile("so-ca-nhan.pdf", PDF_BYTES, content_type="application/pdf")
            correction_services.evidence_add(actor=self.teacher, correction=correction, upload=upload, kind="both")
            return correction_services.correction_submit(actor=self.teacher, correction=correction)

        return self._once("correction", build)

    def line(self):
        return self.correction().lines.get()

    def evidence(self):
        return self.correction().evidence.get()

    # attendance
    def staged_import(self) -> ClassListImport:
        return self._once(
            "import",
            lambda: ClassListImport.objects.create(
                class_group=self.class_group,
                created_by=self.homeroom,
                file_name="danh-sach.xlsx",
                enrolled_on=self.year.start_date,
                rows=[],
            ),
        )

    # printing
    def assignment(self) -> TeachingAssignment:
        return TeachingAssignment.objects.get(class_subject=self.cs, teacher=self.teacher)

    def job(self) -> Job:
        """A finished class book, asked for by the office."""

        def build():
            job = jobs.job_start(
                kind=Job.Kind.CLASS_BOOK,
                scope={"class_group": self.class_group.pk, "term": self.term.pk},
                actor=self.office,
                school=self.school,
            )
            _finish_file(job, f"so-diem-{self.class_group.pk}.pdf")
            return job

        return self._once("job", build)

    def archived_register(self) -> BookRegister:
        def build():
            job = self.job()
            register = BookRegister(
                class_group=self.class_group,
                term=self.term,
                step=BookRegister.Step.ARCHIVED,
                printed_job=job,
                printed_at=timezone.now(),
                printed_by=self.office,
                archived_on=date(2026, 11, 30),
                archive_location="Tủ hồ sơ số 2",
                archive_sha256=job.sha256,
                archive_fingerprint="f" * 64,
                updated_at=timezone.now(),
                updated_by=self.office,
            )
            register.archive_file.save("luu-tru.pdf", ContentFile(PDF_BYTES), save=False)
            register.save()
            return register

        return self._once("register", build)

    # exports
    def export(self) -> ResultsExport:
        """A finished whole-school export of term I, asked for by the office."""

        def build():
            export = export_services.export_start(
                actor=self.office, school=self.school, school_year=self.year, period="term1", scope="school"
            )
            _finish_file(export.job, "ket-qua.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")
            return export

        return self._once("export", build)

    def workbook(self) -> DistrictWorkbook:
        """A finished combined workbook of the side's district office, asked for by its supervisor."""

        def build():
            workbook = export_services.district_workbook_start(
                actor=self.supervisor, district=self.school.district, start_year=2026, period="term1"
            )
            _finish_file(workbook, "tong-hop.xlsx", b"PK\x03\x04", "application/vnd.ms-excel")
            return workbook

        return self._once("workbook", build)


def _side(kind: str, world, class_group: ClassGroup) -> Side:
    cs = ClassSubject.objects.filter(class_group=class_group).order_by("subject__order").first()
    return Side(
        kind=kind,
        school=world.school,
        year=world.year,
        class_group=class_group,
        cs=cs,
        term=world.year.terms.get(number=1),
        enrolment=Enrolment.objects.filter(class_group=class_group).order_by("pk").first(),
        teacher=cs.assignments.get(ends_on__isnull=True).teacher,
        homeroom=class_group.homeroom_assignments.get(ends_on__isnull=True).teacher,
        principal=world.users[Role.PRINCIPAL],
        admin=world.users[Role.ADMIN_BOARD],
        office=world.users[Role.OFFICE],
    )


@dataclass
class Scene:
    sides: dict[str, Side]
    outsiders: dict[str, dict[str, User | None]]  # side kind → name → person (None: anonymous)


def make_scene() -> Scene:
    a = make_world(classes=2, students_per_class=2, subjects=2)
    b = make_world(classes=1, students_per_class=2, subjects=2)
    own_class, other_class = a.classes
    own_student = Enrolment.objects.filter(class_group=own_class).order_by("pk").first().student
    other_department = Department.objects.create(school=a.school, name="Tổ Khoa học xã hội")
    # 6B changed hands on 1 October: its first homeroom and first-subject teachers' rights ended then.
    handover = date(2026, 10, 1)
    former_homeroom = other_class.homeroom_assignments.get().teacher
    account_services.homeroom_assign(
        teacher=make_user(a.school, Role.TEACHER), class_group=other_class, starts_on=handover, actor=None
    )
    first_subject = ClassSubject.objects.filter(class_group=other_class).order_by("subject__order").first()
    former_teacher = first_subject.assignments.get().teacher
    account_services.teaching_move(
        assignment=first_subject.assignments.get(),
        new_teacher=make_user(a.school, Role.TEACHER),
        on=handover,
        actor=None,
        reason="Đổi giáo viên",
    )
    other_subject_of_6b = (
        ClassSubject.objects.filter(class_group=other_class).order_by("subject__order").last().assignments.get().teacher
    )
    common = {
        "subject teacher of A": a.users["teacher"],
        "homeroom teacher of A": a.users["homeroom"],
        "teacher of 6B's other subject": other_subject_of_6b,
        "former homeroom teacher of 6B": former_homeroom,
        "former teacher of 6B's first subject": former_teacher,
        "department head in A": make_user(a.school, Role.DEPARTMENT_HEAD, department=other_department),
        "parent in A": make_user(a.school, Role.PARENT, student=own_student),
        "student in A": make_user(a.school, Role.STUDENT, student=own_student),
        "anonymous": None,
    }
    assert own_class.homeroom_assignments.get().teacher == common["homeroom teacher of A"]
    assert ClassSubject.objects.filter(class_group=own_class, assignments__teacher=a.users["teacher"]).exists()
    leadership_of_a = {
        "principal of A": a.users[Role.PRINCIPAL],
        "vice-principal of A": a.users[Role.VICE_PRINCIPAL],
        "admin board of A": a.users[Role.ADMIN_BOARD],
        "office of A": a.users[Role.OFFICE],
        "supervisor of A's district": make_user(None, Role.SUPERVISOR, district=a.school.district),
    }
    return Scene(
        sides={
            "other_school": _side("other_school", b, b.classes[0]),
            "other_class": _side("other_class", a, other_class),
        },
        outsiders={"other_school": {**common, **leadership_of_a}, "other_class": common},
    )


# --- what each URL needs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """How to build the URL's object on a side (``args``: side → URL kwargs), who owns it, and what a
    typical POST sends (``data``: side → form dict; ``json``: side → JSON body)."""

    args: Callable[[Side], dict]
    owner: str
    data: Callable[[Side], dict] | None = None
    json: Callable[[Side], dict] | None = None


def _account(s: Side) -> dict:
    return {"account_id": s.teacher.pk}


def _class(s: Side) -> dict:
    return {"class_id": s.class_group.pk}


def _enrolment(s: Side) -> dict:
    return {"class_id": s.class_group.pk, "enrolment_id": s.enrolment.pk}


def _month(s: Side) -> dict:
    return {"class_id": s.class_group.pk, "year": 2026, "month": 10}


def _cs(s: Side) -> dict:
    return {"class_subject_id": s.cs.pk}


def _cs_term(s: Side) -> dict:
    return {"class_subject_id": s.cs.pk, "term_number": 1}


def _period(s: Side) -> dict:
    return {"class_id": s.class_group.pk, "period_slug": "hoc-ki-1"}


def _correction(s: Side) -> dict:
    return {"correction_id": s.correction().pk}


def _evidence(s: Side) -> dict:
    return {"correction_id": s.correction().pk, "evidence_id": s.evidence().pk}


def _job(s: Side) -> dict:
    return {"job_id": s.job().pk}


def _register(s: Side) -> dict:
    return {"class_id": s.class_group.pk, "term_id": s.term.pk}


def _export(s: Side) -> dict:
    return {"export_id": s.export().pk}


def _workbook(s: Side) -> dict:
    return {"workbook_id": s.workbook().pk}


def _profile(s: Side) -> dict:
    return {
        "family_name": "Trần Thị",
        "given_name": "Bình",
        "date_of_birth": "2014-02-03",
        "gender": "F",
        "permanent_address": "Hải Phòng",
        "contact_phone": "0912000111",
        "mother_name": "Trần Thị Mẹ",
        "nationality": "Việt Nam",
        "ethnicity": "Kinh",
    }


def _portal_child(s: Side) -> dict:
    """The side's student, whose parent (built here, the owner) is the only one to see his page."""
    s.parent = s._once("parent", lambda: make_user(s.school, Role.PARENT, student=s.enrolment.student))
    return {"student_id": s.enrolment.student_id}


def _portal_message(s: Side) -> dict:
    message = s._once(
        "portal_message",
        lambda: portal_services.message_send(
            actor=s.homeroom, class_group=s.class_group, student=None, title="Họp phụ huynh", body="Kính mời"
        ),
    )
    return {"message_id": message.pk}


def _cell(s: Side) -> dict:
    return {"hs": s.enrolment.pk, "term": s.term.pk, "col": "regular_2", "value": "9", "version": 0}


ROUTES: dict[str, Route] = {
    # accounts: the admin board manages the school's accounts (the teacher of the side's class subject)
    "account_detail": Route(_account, "admin"),
    "account_profile": Route(_account, "admin", data=lambda s: {"full_name": "Tên Đã Đổi", "email": "", "phone": ""}),
    "account_role_add": Route(
        _account, "admin", data=lambda s: {"role": Role.PRINCIPAL, "reason": "Bổ nhiệm hiệu trưởng"}
    ),
    "account_role_revoke": Route(
        lambda s: {**_account(s), "grant_id": s.teacher.role_grants.get(role=Role.TEACHER).pk},
        "admin",
        data=lambda s: {"reason": "Nghỉ việc"},
    ),
    "account_homeroom_end": Route(
        lambda s: {
            "account_id": s.homeroom.pk,
            "assignment_id": s.class_group.homeroom_assignments.get(ends_on__isnull=True).pk,
        },
        "admin",
        data=lambda s: {"reason": "Đổi giáo viên chủ nhiệm"},
    ),
    "account_status": Route(_account, "admin", data=lambda s: {"active": "0", "status-reason": "Nghỉ việc"}),
    "account_password_reset": Route(_account, "admin", data=lambda s: {"reason": "Quên mật khẩu"}),
    "account_unlock": Route(_account, "admin", data=lambda s: {"reason": "Đã xác minh"}),
    # attendance: the homeroom teacher's register and attendance
    "attendance:register": Route(_class, "homeroom"),
    "attendance:profile": Route(
        _enrolment, "homeroom", data=lambda s: {**_profile(s), "fingerprint": "x", "reason": "Sửa tên"}
    ),
    "attendance:leave": Route(
        _enrolment,
        "homeroom",
        data=lambda s: {
            "status": "transferred_out",
            "left_on": "2026-11-16",
            "note": "Chuyển nhà",
            "transfer_school": "THCS B",
        },
    ),
    "attendance:transfer_in": Route(
        _class,
        "homeroom",
        data=lambda s: {**_profile(s), "enrolled_on": "2026-11-16", "transfer_school": "THCS B", "enrolment_note": ""},
    ),
    "attendance:import_upload": Route(_class, "homeroom", data=lambda s: {"enrolled_on": "2026-09-05"}),
    "attendance:import_preview": Route(
        lambda s: {"class_id": s.class_group.pk, "token": s.staged_import().token}, "homeroom", data=lambda s: {}
    ),
    "attendance:attendance": Route(_class, "homeroom"),
    "attendance:summary": Route(_class, "homeroom"),
    "attendance:grid": Route(_month, "homeroom", data=lambda s: {f"c-{s.enrolment.pk}-20261005-all-0-_": "K"}),
    "attendance:save": Route(
        _month,
        "homeroom",
        json=lambda s: {
            "cells": [{"enrolment": s.enrolment.pk, "date": "2026-10-05", "session": "all", "code": "K", "version": 0}]
        },
    ),
    "attendance:complete": Route(_month, "homeroom", data=lambda s: {}),
    "attendance:reopen": Route(_month, "homeroom", data=lambda s: {"reason": "Ghi thiếu một buổi"}),
    # grades: the subject teacher's grid
    "grades:grid_start": Route(_cs, "teacher"),
    "grades:grid": Route(_cs_term, "teacher"),
    "grades:grid_year": Route(_cs, "teacher"),
    "grades:cell_save": Route(_cs, "teacher", json=_cell),
    "grades:cell_history": Route(_cs, "teacher"),
    "grades:paste_preview": Route(
        _cs,
        "teacher",
        json=lambda s: {"mode": "term", "hs": s.enrolment.pk, "term": s.term.pk, "col": "regular_2", "text": "9"},
    ),
    "grades:paste_apply": Route(_cs, "teacher", json=lambda s: {"entries": [_cell(s)]}),
    "grades:test_date": Route(
        _cs, "teacher", json=lambda s: {"term": s.term.pk, "col": "midterm", "date": "2026-10-20"}
    ),
    "grades:xlsx_download": Route(_cs_term, "teacher"),
    "grades:xlsx_upload": Route(_cs_term, "teacher", data=lambda s: {}),
    "grades:xlsx_confirm": Route(
        _cs_term,
        "teacher",
        data=lambda s: {
            # a preview token of that very grid, as if it had leaked: only the access check stops it
            "token": signing.dumps(
                {
                    "cs": s.cs.pk,
                    "term": s.term.pk,
                    "file": "diem.xlsx",
                    "entries": [[s.enrolment.pk, s.term.pk, "regular_2", "9", 0]],
                },
                salt=IMPORT_SALT,
                compress=True,
            )
        },
    ),
    # grades: conduct, overview, results (homeroom teacher proposes, principal decides)
    "grades:conduct": Route(
        _period,
        "homeroom",
        data=lambda s: {
            f"level-{s.enrolment.pk}": "Tốt",
            f"comment-{s.enrolment.pk}": "Ngoan",
            f"v-{s.enrolment.pk}": "0",
        },
    ),
    "grades:overview": Route(_period, "homeroom"),
    "grades:results": Route(_period, "homeroom"),
    "grades:results_compute": Route(_period, "homeroom", data=lambda s: {"reason": "Tính kết quả"}),
    "grades:results_propose": Route(_period, "homeroom", data=lambda s: {"comment": "", "version": "0"}),
    "grades:results_approve": Route(_period, "principal", data=lambda s: {"comment": "Đồng ý", "version": "0"}),
    "grades:results_return": Route(_period, "principal", data=lambda s: {"comment": "Xem lại", "version": "0"}),
    "grades:discipline": Route(
        _cs,
        "teacher",
        data=lambda s: {"student": s.enrolment.pk, "week": "2026-10-05", "text": "Nói chuyện riêng", "version": "0"},
    ),
    "grades:retest": Route(_cs, "teacher", data=lambda s: {f"r-{s.enrolment.pk}": "6", f"v-{s.enrolment.pk}": "0"}),
    # corrections: locks and correction minutes
    "corrections:lock_execute": Route(lambda s: {"lock_id": s.lock().pk}, "admin", data=lambda s: {}),
    "corrections:lock_withdraw": Route(
        lambda s: {"lock_id": s.lock().pk}, "principal", data=lambda s: {"withdraw-reason": "Nhầm quyết định"}
    ),
    "corrections:minutes": Route(_correction, "teacher"),
    "corrections:line_add": Route(
        _correction,
        "teacher",
        data=lambda s: {
            "enrolment": s.enrolment.pk,
            "column": "regular_1",
            "new_value": "10",
            "reason_code": "entry_error",
            "reason_text": "Nhập nhầm",
        },
    ),
    "corrections:line_remove": Route(
        lambda s: {"correction_id": s.correction().pk, "line_id": s.line().pk}, "teacher", data=lambda s: {}
    ),
    "corrections:evidence_add": Route(
        _correction,
        "teacher",
        data=lambda s: {
            "kind": "teacher_book",
            "file": SimpleUploadedFile("anh.pdf", PDF_BYTES, content_type="application/pdf"),
        },
    ),
    "corrections:evidence_download": Route(_evidence, "teacher"),
    "corrections:evidence_remove": Route(_evidence, "teacher", data=lambda s: {}),
    "corrections:minutes_submit": Route(_correction, "teacher", data=lambda s: {}),
    "corrections:minutes_homeroom": Route(
        _correction, "homeroom", data=lambda s: {"decision": "confirm", "comment": "Đúng"}
    ),
    "corrections:minutes_decide": Route(
        _correction, "principal", data=lambda s: {"decision": "approve", "comment": "Đồng ý"}
    ),
    "corrections:minutes_confirm": Route(_correction, "admin", data=lambda s: {}),
    "corrections:minutes_sign": Route(_correction, "principal", data=lambda s: {"sign_as": "principal"}),
    "corrections:minutes_archive": Route(_correction, "admin", data=lambda s: {}),
    "corrections:minutes_withdraw": Route(_correction, "teacher", data=lambda s: {"reason": "Không cần sửa"}),
    "corrections:minutes_pdf": Route(_correction, "teacher"),
    # printing: print jobs and the office's register
    "printing:start_class_book": Route(_class, "office", data=lambda s: {"term": s.term.pk}),
    "printing:start_teacher_book": Route(
        lambda s: {"assignment_id": s.assignment().pk}, "teacher", data=lambda s: {"term": s.term.pk, "filled": "on"}
    ),
    "printing:job": Route(_job, "office"),
    "printing:job_status": Route(_job, "office"),
    "printing:job_retry": Route(_job, "office", data=lambda s: {}),
    "printing:download": Route(_job, "office"),
    "printing:register": Route(_register, "office"),
    "printing:register_step": Route(
        _register, "office", data=lambda s: {"step": "printed", "job": s.job().pk, "version": "0"}
    ),
    "printing:archive_download": Route(lambda s: (s.archived_register(), _register(s))[1], "office"),
    # exports: the school's exports and the district office's
    "exports:export": Route(_export, "office"),
    "exports:status": Route(_export, "office"),
    "exports:retry": Route(_export, "office", data=lambda s: {}),
    "exports:download": Route(_export, "office"),
    "exports:district_start": Route(
        lambda s: {"district_id": s.school.district_id},
        "supervisor",
        data=lambda s: {"year": "2026", "period": "term1"},
    ),
    "exports:workbook": Route(_workbook, "supervisor"),
    "exports:workbook_status": Route(_workbook, "supervisor"),
    "exports:workbook_retry": Route(_workbook, "supervisor", data=lambda s: {}),
    "exports:workbook_download": Route(_workbook, "supervisor"),
    "exports:received_download": Route(_export, "supervisor"),
    # portal: a parent's own child; the homeroom teacher's messages to the class's parents
    "portal:child": Route(_portal_child, "parent"),
    "portal:message": Route(_portal_message, "homeroom"),
    "portal:class_messages": Route(
        _class, "homeroom", data=lambda s: {"student": "", "title": "Họp phụ huynh", "body": "Kính mời phụ huynh"}
    ),
}


def test_every_url_with_an_id_is_mapped():
    """A new URL that takes an id needs an entry in ROUTES, so that its access is tested."""
    collected = patterns_with_an_id()
    assert collected, "the URLconf walk found nothing"
    missing = sorted(collected - ROUTES.keys())
    stale = sorted(ROUTES.keys() - collected)
    assert not missing, f"URL patterns with an id but no entry in tests/test_idor.py ROUTES: {missing}"
    assert not stale, f"entries in ROUTES for URL patterns that no longer exist: {stale}"


# --- the database checksum --------------------------------------------------------------------------

# Written by logging in, not by the views under test.
UNWATCHED_TABLES = {"django_session"}
UNWATCHED_COLUMNS = {"last_login"}


def database_checksum() -> str:
    """A hash of every row of every table (historical tables included), except the session table
    and the users' last-login time that logging in writes."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        if model._meta.db_table in UNWATCHED_TABLES or model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in UNWATCHED_COLUMNS]
        digest.update(model._meta.db_table.encode())
        for row in model._base_manager.order_by("pk").values_list(*columns):
            digest.update(repr(row).encode())
    return digest.hexdigest()


# --- the requests -----------------------------------------------------------------------------------


def _post(client: Client, url: str, route: Route, side: Side):
    if route.json is not None:
        return client.post(url, json.dumps(route.json(side)), content_type="application/json")
    return client.post(url, route.data(side) if route.data else {})


def _refused(response, anonymous: bool, owner_status: int) -> bool:
    status = response.status_code
    if status == 405:
        return owner_status == 405  # the method is not one the URL answers at all
    if anonymous:
        return status == 401 or (status == 302 and response["Location"].startswith(LOGIN_URL))
    return status in (403, 404)


def _session_of(client: Client, person: User | None) -> str | None:
    """Log the person in on a fresh session and give its key (None: anonymous)."""
    client.cookies.clear()
    if person is None:
        return None
    client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _use_session(client: Client, session: str | None) -> None:
    client.cookies.clear()
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session


def _owner_statuses(client: Client, route: Route, side: Side, url: str) -> dict[str, int]:
    _use_session(client, _session_of(client, getattr(side, route.owner)))
    return {"GET": client.get(url).status_code, "POST": _post(client, url, route, side).status_code}


@pytest.fixture(scope="module")
def shared_scene(django_db_setup, django_db_blocker):
    """The two schools, built once for the module inside a transaction rolled back at its end;
    each test runs in a savepoint of it (pytest-django's ``db``), so what a test builds or
    writes is gone before the next one."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        yield make_scene()
        transaction.set_rollback(True)


@pytest.fixture
def scene(shared_scene, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    for side in shared_scene.sides.values():
        side.cache.clear()  # objects built by an earlier test were rolled back with it
    return shared_scene


@pytest.mark.parametrize("side_kind", ["other_school", "other_class"])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_outsiders_are_refused_and_nothing_changes(name, side_kind, scene):
    side = scene.sides[side_kind]
    route = ROUTES[name]
    url = reverse(name, kwargs=route.args(side))

    # One client (each new one loads the middleware, WhiteNoise's scan of the static files included);
    # everyone logs in before the checksum, since logging in writes the session and last_login.
    client = Client(enforce_csrf_checks=False)
    sessions = {who: _session_of(client, person) for who, person in scene.outsiders[side_kind].items()}
    for build in (route.data, route.json):
        if build is not None:
            build(side)  # the objects a payload names exist before the checksum
    before = database_checksum()
    answers = {}
    for who, session in sessions.items():
        _use_session(client, session)
        answers[who] = {"GET": client.get(url), "POST": _post(client, url, route, side)}
    unchanged = database_checksum() == before

    # The owner last (his POST may write): the URL must really reach the object.
    owner = _owner_statuses(client, route, side, url)
    assert set(owner.values()) != {405}, f"{name}: the owner's GET and POST both answer 405"
    for method, status in owner.items():
        assert status not in (403, 404), f"{name} ({side_kind}): the owner ({route.owner}) gets {status} on {method}"

    holes = [
        f"{who} {method} → {response.status_code}"
        for who, by_method in answers.items()
        for method, response in by_method.items()
        if not _refused(response, who == "anonymous", owner[method])
    ]
    assert not holes, f"{name} ({side_kind}) {url} answers outsiders: {holes}"
    assert unchanged, f"{name} ({side_kind}) {url}: the database changed after the outsiders' requests"


# --- ids of two objects mixed in one URL --------------------------------------------------------------


def test_evidence_of_another_schools_minutes_cannot_be_downloaded_or_removed(scene):
    """The evidence of school B's minutes, asked for by B's correction id or slipped under minutes of
    one's own (A's teacher's own correction id): 404 for A's teacher and A's principal alike."""
    theirs = scene.sides["other_school"]
    ours = scene.sides["other_class"]  # school A: its teacher and principal are insiders of its minutes
    evidence = theirs.evidence()
    mine = ours.correction()
    client = Client()
    for person in (ours.teacher, ours.principal, ours.admin, theirs.homeroom):
        _session_of(client, person)
        before = database_checksum()
        for correction_id in (theirs.correction().pk, mine.pk):
            if person == theirs.homeroom and correction_id == theirs.correction().pk:
                continue  # B's homeroom teacher is an insider of B's minutes
            args = [correction_id, evidence.pk]
            assert client.get(reverse("corrections:evidence_download", args=args)).status_code == 404
            assert client.post(reverse("corrections:evidence_remove", args=args)).status_code == 404
        assert database_checksum() == before
    # the owner does get the file: the ids above were real
    _session_of(client, theirs.teacher)
    response = client.get(reverse("corrections:evidence_download", args=[theirs.correction().pk, evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES


def test_an_object_of_another_class_cannot_be_reached_through_ones_own_class(scene):
    """One's own class (or minutes) in the URL, another class's or school's object beside it: 404."""
    ours, theirs = scene.sides["other_class"], scene.sides["other_school"]
    own_class = ClassGroup.objects.get(
        school_year=ours.year,
        homeroom_assignments__teacher__in=[scene.outsiders["other_class"]["homeroom teacher of A"]],
    )
    homeroom = scene.outsiders["other_class"]["homeroom teacher of A"]
    cases = [
        (homeroom, "attendance:profile", [own_class.pk, ours.enrolment.pk]),
        (homeroom, "attendance:leave", [own_class.pk, ours.enrolment.pk]),
        (homeroom, "attendance:profile", [own_class.pk, theirs.enrolment.pk]),
        (homeroom, "attendance:import_preview", [own_class.pk, ours.staged_import().token]),
        (ours.office, "printing:register", [ours.class_group.pk, theirs.term.pk]),
        (ours.office, "printing:register_step", [ours.class_group.pk, theirs.term.pk]),
        (ours.office, "printing:archive_download", [ours.class_group.pk, theirs.archived_register().term_id]),
        (ours.teacher, "corrections:line_remove", [ours.correction().pk, theirs.line().pk]),
    ]
    client = Client()
    for person, name, args in cases:
        _session_of(client, person)
        before = database_checksum()
        url = reverse(name, args=args)
        get, post = client.get(url).status_code, client.post(url, {"status": "dropped_out", "note": "x"}).status_code
        assert get in (404, 405) and post in (404, 405), f"{name} {args}: GET {get}, POST {post}"
        assert database_checksum() == before, f"{name} {args} changed the database"


def test_a_teacher_whose_assignment_ended_cannot_print_its_book(scene):
    """ "Every right ends when the assignment ends": 6B's first-subject teacher until 1 October may
    no longer print the A4 book of that assignment (with the scores his successor entered since),
    as he may no longer open its grid; his successor may."""
    side = scene.sides["other_class"]
    former = scene.outsiders["other_class"]["former teacher of 6B's first subject"]
    ended = TeachingAssignment.objects.get(class_subject=side.cs, teacher=former)
    assert ended.ends_on is not None
    url = reverse("printing:start_teacher_book", args=[ended.pk])
    client = Client()
    _session_of(client, former)
    before = database_checksum()
    assert client.get(reverse("grades:grid_start", args=[side.cs.pk])).status_code == 404
    assert client.post(url, {"term": side.term.pk, "filled": "on"}).status_code == 404
    index = client.get(reverse("printing:index"))  # nor is it offered on the print page
    assert index.status_code == 403 or ended not in index.context["assignments"]
    assert database_checksum() == before
    _session_of(client, side.teacher)
    own = reverse("printing:start_teacher_book", args=[side.assignment().pk])
    assert client.post(own, {"term": side.term.pk, "filled": "on"}).status_code == 302
