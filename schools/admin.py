from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import models

for model in (
    models.ProvinceOffice,
    models.DistrictOffice,
    models.School,
    models.SchoolYear,
    models.GradeRuleSet,
    models.Term,
    models.CalendarDay,
    models.Department,
    models.Subject,
    models.SubjectOffering,
    models.ClassGroup,
    models.TeachingAssignment,
    models.HomeroomAssignment,
):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(models.Student)
class StudentAdmin(SimpleHistoryAdmin):
    list_display = ("student_code", "family_name", "given_name", "date_of_birth", "school")
    search_fields = ("student_code", "family_name", "given_name")


@admin.register(models.Enrolment)
class EnrolmentAdmin(SimpleHistoryAdmin):
    list_display = ("student", "class_group", "status", "enrolled_on", "left_on")
    list_filter = ("status",)
