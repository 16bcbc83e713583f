from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    autocomplete_fields = ()
    raw_id_fields = ("student",)


@admin.register(User)
class GradebookUserAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "full_name", "school", "is_active")
    search_fields = ("username", "full_name")
    fieldsets = (*UserAdmin.fieldsets, ("Sổ điểm", {"fields": ("full_name", "phone", "school")}))
    inlines = [RoleGrantInline]
