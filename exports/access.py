"""Who may export results and who receives them (roles-and-permissions.md: "export results data to
Phòng/Sở": principal, vice-principal, admin board, office; the supervisor receives).

A person of a school without an exporting role gets 403; anyone else (another school's staff, a
parent or student without a school, a supervisor of another district) never learns that an export
exists: 404. A supervisor sees the schools of his own district offices, the state of their
whole-school exports and their files, nothing else of the schools.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import Actor, actor_for
from accounts.models import Role, User
from printing.models import Job
from schools.models import DistrictOffice

from .models import DistrictWorkbook, ResultsExport

EXPORTERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE)


def require_exporter(user: User) -> Actor:
    """A person of a school who may export: no school → 404, no such role → 403."""
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    if not actor.has(*EXPORTERS):
        raise PermissionDenied(
            _("Only the principal, the vice-principals, the admin board and the office export results.")
        )
    return actor


def may_export(user: User) -> bool:
    actor = actor_for(user)
    return actor.school_id is not None and actor.has(*EXPORTERS)


def exports_visible(user: User) -> QuerySet[ResultsExport]:
    actor = require_exporter(user)
    return ResultsExport.objects.filter(school_id=actor.school_id)


def get_export(user: User, export_id: int) -> ResultsExport:
    """An export of the user's school, for an exporter (outsiders 404, the school's others 403)."""
    export = (
        ResultsExport.objects.select_related("job", "school_year", "class_group", "requested_by", "supersedes")
        .filter(pk=export_id)
        .first()
    )
    actor = actor_for(user)
    if export is None or actor.school_id is None or export.school_id != actor.school_id:
        raise Http404
    require_exporter(user)
    return export


# --- the district office ---------------------------------------------------------------------------


def require_supervisor(user: User) -> Actor:
    """A supervisor of one or more district offices; a person of a school gets 403, anyone else 404."""
    actor = actor_for(user)
    if actor.has(Role.SUPERVISOR) and actor.district_ids:
        return actor
    if actor.school_id is not None:
        raise PermissionDenied(_("Only the district office's supervisors see the schools' exports."))
    raise Http404


def districts_supervised(user: User) -> QuerySet[DistrictOffice]:
    actor = require_supervisor(user)
    return DistrictOffice.objects.filter(pk__in=actor.district_ids).select_related("province").order_by("name")


def get_district(user: User, district_id: int) -> DistrictOffice:
    district = districts_supervised(user).filter(pk=district_id).first()
    if district is None:
        raise Http404
    return district


def get_received_export(user: User, export_id: int) -> ResultsExport:
    """A school's finished whole-school export, for a supervisor of that school's district."""
    actor = require_supervisor(user)
    export = (
        ResultsExport.objects.select_related("job", "school")
        .filter(
            pk=export_id,
            scope=ResultsExport.Scope.SCHOOL,
            school__district_id__in=actor.district_ids,
            job__status=Job.Status.DONE,
        )
        .first()
    )
    if export is None:
        raise Http404
    return export


def get_workbook(user: User, workbook_id: int) -> DistrictWorkbook:
    actor = require_supervisor(user)
    workbook = (
        DistrictWorkbook.objects.select_related("district", "requested_by")
        .filter(pk=workbook_id, district_id__in=actor.district_ids)
        .first()
    )
    if workbook is None:
        raise Http404
    return workbook
