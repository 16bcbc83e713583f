"""Writes of the office's register of printed class books (BM Đ9.2, LC Đ12, P-PRN-1..3).

One register row per class and term follows the paper book: printed → signatures collected
(subject teachers under their pages, the homeroom teacher, the principal) → sealed across pages
(giáp lai) → archived, with where it is kept. Archiving freezes a copy of the printed file under
its own name with its SHA-256 and the fingerprint of the data it shows; the row never changes after
that. Each write takes the acting person and a reason, checks the version the page showed (two
people recording at once never overwrite each other) and writes history.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import actor_for
from accounts.models import User
from schools.models import ClassGroup, Term

from .access import REGISTER_KEEPERS
from .models import BookRegister, Job


class RegisterConflict(ValidationError):
    """The register changed since the page was shown: nothing was written."""


def _stamp(obj, actor: User, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason


def _require_office(actor: User, school_id: int) -> None:
    who = actor_for(actor)
    if who.school_id != school_id or not who.has(*REGISTER_KEEPERS):
        raise PermissionDenied(_("Only the office keeps the register of printed books."))


def _locked(register: BookRegister, version: int) -> BookRegister:
    fresh = BookRegister.objects.select_for_update().select_related("printed_job", "class_group").get(pk=register.pk)
    if fresh.version != version:
        raise RegisterConflict(
            _("%(who)s changed this register at %(when)s, after this page was opened: nothing was saved.")
            % {
                "who": fresh.updated_by.full_name or fresh.updated_by.username,
                "when": timezone.localtime(fresh.updated_at).strftime("%H:%M %d/%m/%Y"),
            }
        )
    if fresh.is_archived:
        raise ValidationError(_("The book is archived: its register can no longer change."))
    return fresh


def _save(register: BookRegister, actor: User, reason: str) -> BookRegister:
    register.version += 1
    register.updated_at = timezone.now()
    register.updated_by = actor
    _stamp(register, actor, reason)
    register.save()
    return register


def _check_day(day: date | None, register_start: date, label: str) -> None:
    if day is None:
        return
    if day > timezone.localdate():
        raise ValidationError(_("%(what)s: the date cannot be in the future.") % {"what": label})
    if day < register_start:
        raise ValidationError(_("%(what)s: the date cannot be before the book was printed.") % {"what": label})


@transaction.atomic
def register_record_print(
    *, actor: User, class_group: ClassGroup, term: Term, job: Job, version: int | None = None
) -> BookRegister:
    """The office printed this copy of the class's book for the term. Printing a new copy before
    the book is archived starts the signatures again: they belong to the paper they are on."""
    _require_office(actor, class_group.school_year.school_id)
    if term.school_year_id != class_group.school_year_id:
        raise ValidationError(_("The term is not a term of this class's school year."))
    job = Job.objects.select_for_update().get(pk=job.pk)
    same = job.scope.get("class_group") == class_group.pk and job.scope.get("term") == term.pk
    if job.kind != Job.Kind.CLASS_BOOK or not same or job.school_id != class_group.school_year.school_id:
        raise ValidationError(_("This file is not the book of this class for this term."))
    if job.status != Job.Status.DONE:
        raise ValidationError(_("The book is not ready yet: wait until its file is made."))
    register = BookRegister.objects.select_for_update().filter(class_group=class_group, term=term).first()
    now = timezone.now()
    if register is None:
        register = BookRegister(class_group=class_group, term=term, version=0)
    else:
        register = _locked(register, register.version if version is None else version)
    register.step = BookRegister.Step.PRINTED
    register.printed_job = job
    register.printed_at = now
    register.printed_by = actor
    register.teachers_signed_on = register.homeroom_signed_on = register.principal_signed_on = None
    register.sealed_on = None
    return _save(register, actor, f"In sổ: {job.title}")


@transaction.atomic
def register_record_signatures(
    *,
    actor: User,
    register: BookRegister,
    version: int,
    teachers_on: date | None,
    homeroom_on: date | None,
    principal_on: date | None,
) -> BookRegister:
    """The dates the subject teachers, the homeroom teacher and the principal signed the printed copy."""
    _require_office(actor, register.class_group.school_year.school_id)
    register = _locked(register, version)
    if register.step not in (BookRegister.Step.PRINTED, BookRegister.Step.SIGNED):
        raise ValidationError(_("The book is already sealed: its signatures can no longer change."))
    printed = timezone.localtime(register.printed_at).date()
    for day, label in (
        (teachers_on, _("Subject teachers")),
        (homeroom_on, _("Homeroom teacher")),
        (principal_on, _("Principal")),
    ):
        _check_day(day, printed, str(label))
    if principal_on and not (teachers_on and homeroom_on):
        raise ValidationError(_("The principal signs last, after the subject teachers and the homeroom teacher."))
    register.teachers_signed_on = teachers_on
    register.homeroom_signed_on = homeroom_on
    register.principal_signed_on = principal_on
    register.step = BookRegister.Step.SIGNED if register.signatures_complete else BookRegister.Step.PRINTED
    return _save(register, actor, "Ghi nhận chữ kí")


@transaction.atomic
def register_record_seal(*, actor: User, register: BookRegister, version: int, sealed_on: date) -> BookRegister:
    """The school's seal was stamped across the pages (giáp lai), after every signature."""
    _require_office(actor, register.class_group.school_year.school_id)
    register = _locked(register, version)
    if register.step != BookRegister.Step.SIGNED:
        raise ValidationError(_("Collect every signature before sealing across the pages."))
    _check_day(sealed_on, register.principal_signed_on, str(_("Seal")))
    register.sealed_on = sealed_on
    register.step = BookRegister.Step.SEALED
    return _save(register, actor, "Đóng dấu giáp lai")


@transaction.atomic
def register_archive(
    *, actor: User, register: BookRegister, version: int, archived_on: date, location: str
) -> BookRegister:
    """Archive the sealed book: where it is kept, and a frozen copy of the printed file with its
    hash and the fingerprint of its data (the file is copied, never shared with a later print)."""
    _require_office(actor, register.class_group.school_year.school_id)
    register = _locked(register, version)
    location = (location or "").strip()
    if register.step != BookRegister.Step.SEALED:
        raise ValidationError(_("Seal the book across its pages before archiving it."))
    if not location:
        raise ValidationError(_("Write where the book is kept (room, cabinet, shelf)."))
    if len(location) > 200:
        raise ValidationError(_("The place is too long: at most 200 characters."))
    _check_day(archived_on, register.sealed_on, str(_("Archive")))
    job = register.printed_job
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError) as exc:
        raise ValidationError(_("The printed file is missing from the server: print the book again.")) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != job.sha256:
        raise ValidationError(_("The printed file no longer matches its hash: print the book again."))
    year = register.class_group.school_year
    name = f"{year.school_id}/{year.name}/{job.file_name or 'so.pdf'}"
    register.archive_file.save(name, ContentFile(data), save=False)
    register.archive_sha256 = digest
    register.archive_fingerprint = job.fingerprint
    register.archive_location = location
    register.archived_on = archived_on
    register.step = BookRegister.Step.ARCHIVED
    return _save(register, actor, f"Lưu trữ tại {location}")
