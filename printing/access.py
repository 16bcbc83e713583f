"""Who may print what (roles-and-permissions.md: "print the class book (A3) and teachers' books (A4);
record signatures, seal across pages, archive").

The office prints and keeps the register (BM Đ9, LC Đ9.2, LC Đ12); the vice-principal directs the
printing (LC Đ4.9): he may start print jobs and read the register, not record in it; the principal
reads (R). A teacher prints his own A4 book, for his own teaching assignments only, while they
last. Outsiders get 404, people of the school without the right 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import actor_for, class_subjects_taught
from accounts.models import Role, User
from schools.models import ClassGroup, TeachingAssignment

from .models import Job

PRINTERS = (Role.OFFICE, Role.VICE_PRINCIPAL)
READERS = (*PRINTERS, Role.PRINCIPAL)
REGISTER_KEEPERS = (Role.OFFICE,)


def require_school_roles(user: User, *roles: str):
    """A person of a school holding one of the roles: no school → 404, no such role → 403."""
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    if not actor.has(*roles):
        raise PermissionDenied(_("You do not have the right to do this."))
    return actor


def may_print_books(user: User) -> bool:
    return actor_for(user).has(*PRINTERS)


def may_read_books(user: User) -> bool:
    return actor_for(user).has(*READERS)


def jobs_visible(user: User) -> QuerySet[Job]:
    """Print jobs of the school for the office and the leadership; one's own jobs for everyone else."""
    actor = actor_for(user)
    if actor.school_id is None:
        return Job.objects.none()
    qs = Job.objects.filter(school_id=actor.school_id)
    if actor.has(*READERS):
        return qs
    return qs.filter(requested_by=user)


def get_job_for_view(user: User, job_id: int) -> Job:
    job = jobs_visible(user).select_related("requested_by", "reused_from", "parent").filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def get_job_for_retry(user: User, job_id: int) -> Job:
    """Who asked for the job, or the office and the vice-principal, may run it again; the principal
    reads only (403); anyone else never learns it exists (404)."""
    job = get_job_for_view(user, job_id)
    if job.requested_by_id != user.pk and not may_print_books(user):
        raise PermissionDenied(_("Only the person who asked for this print, or the office, can run it again."))
    return job


def get_class_for_print(user: User, class_id: int, *, write: bool) -> ClassGroup:
    """A class of the user's school; printing (``write``) needs the office or the vice-principal,
    reading the register needs the principal too."""
    actor = require_school_roles(user, *(PRINTERS if write else READERS))
    class_group = (
        ClassGroup.objects.select_related("school_year__school")
        .filter(pk=class_id, school_year__school_id=actor.school_id)
        .first()
    )
    if class_group is None:
        raise Http404
    return class_group


def get_class_for_register(user: User, class_id: int) -> ClassGroup:
    """The class whose register the office writes in (the leadership reads it: 403)."""
    class_group = get_class_for_print(user, class_id, write=False)
    require_school_roles(user, *REGISTER_KEEPERS)
    return class_group


def assignments_printable(user: User) -> QuerySet[TeachingAssignment]:
    """Teaching assignments whose A4 book the user may print: every one of the school for the office
    and the vice-principal, one's own otherwise, while it lasts (the right to print ends with the
    assignment, as the right to open its grid does)."""
    actor = actor_for(user)
    if actor.school_id is None:
        return TeachingAssignment.objects.none()
    qs = TeachingAssignment.objects.filter(class_subject__class_group__school_year__school_id=actor.school_id)
    if actor.has(*PRINTERS):
        return qs
    return qs.filter(teacher=user, class_subject__in=class_subjects_taught(user))


def get_assignment_for_print(user: User, assignment_id: int) -> TeachingAssignment:
    """A teaching assignment whose A4 book the user prints. The principal reads only (403); another
    teacher's assignment is not his to know about (404)."""
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    assignment = (
        TeachingAssignment.objects.select_related(
            "teacher", "class_subject__subject", "class_subject__class_group__school_year__school"
        )
        .filter(pk=assignment_id, class_subject__class_group__school_year__school_id=actor.school_id)
        .first()
    )
    if assignment is None:
        raise Http404
    if actor.has(*PRINTERS):
        return assignment
    if assignment.teacher_id == user.pk and class_subjects_taught(user).filter(pk=assignment.class_subject_id).exists():
        return assignment  # his own assignment, still running: an ended one is no longer his to know about
    if actor.has(Role.PRINCIPAL):
        raise PermissionDenied(_("You do not have the right to do this."))
    raise Http404
