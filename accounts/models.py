"""Accounts, roles and the per-object permission rows.

Accounts are personal (BM Đ2, LC Đ2). School-wide roles are rows of ``RoleGrant``; the rights of a
homeroom or subject teacher are per object and come from the assignments in ``schools``, mirrored
into django-guardian's direct foreign-key permission tables by ``accounts.services``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from schools.models import ClassGroup, ClassSubject, Department, DistrictOffice, School, Student


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("school"),
        help_text=_("Empty for supervisors of a district or province office."),
    )
    # Set when the admin board hands out a one-time password; cleared when the person picks their own.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    VICE_PRINCIPAL = "vice_principal", _("Vice-principal")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    ADMIN_BOARD = "admin_board", _("Admin board")
    OFFICE = "office", _("Office")
    TEACHER = "teacher", _("Teacher")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")
    SUPERVISOR = "supervisor", _("District / province supervisor")


SCHOOL_ROLES = (
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.DEPARTMENT_HEAD,
    Role.ADMIN_BOARD,
    Role.OFFICE,
    Role.TEACHER,
)
LEADERSHIP_ROLES = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)


class RoleGrant(models.Model):
    """One role of one person, with its scope: a school, a department, a child, or an office."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="role_grants", verbose_name=_("school")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_grants",
        verbose_name=_("department"),
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_grants",
        verbose_name=_("student"),
    )
    district = models.ForeignKey(
        DistrictOffice,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_grants",
        verbose_name=_("district office"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=[r.value for r in SCHOOL_ROLES]) | Q(school__isnull=False),
                name="rolegrant_school_role_has_school",
            ),
            models.CheckConstraint(
                condition=~Q(role="department_head") | Q(department__isnull=False),
                name="rolegrant_head_has_department",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["parent", "student"]) | Q(student__isnull=False),
                name="rolegrant_family_has_student",
            ),
            models.CheckConstraint(
                condition=~Q(role="supervisor") | Q(district__isnull=False),
                name="rolegrant_supervisor_has_district",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school", "department", "student", "district"],
                name="rolegrant_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


# django-guardian with direct foreign keys (real indexes and cascades, no string object ids).
class ClassGroupUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ClassGroup, on_delete=models.CASCADE)


class ClassSubjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ClassSubject, on_delete=models.CASCADE)
