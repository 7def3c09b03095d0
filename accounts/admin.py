from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.gis.admin import GISModelAdmin

from .models import (
    ConcernNote,
    Council,
    HelperCheck,
    SafeguardingConcern,
    StaffMembership,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "council", "is_active", "suspended_at"]
    search_fields = ["email", "display_name"]
    list_filter = ["is_active", "is_staff", "council"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "phone", "preferred_languages", "gender"]}),
        ("Home", {"fields": ["home_postcode", "council"]}),
        ("Status", {"fields": ["is_active", "suspended_at", "is_staff", "is_superuser"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []


@admin.register(Council)
class CouncilAdmin(GISModelAdmin):
    list_display = ["name", "code", "is_active", "max_travel_radius_m"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "council", "role"]
    list_filter = ["council", "role"]


@admin.register(HelperCheck)
class HelperCheckAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "issued_on", "expires_on", "council"]
    list_filter = ["kind", "council"]


class ConcernNoteInline(admin.TabularInline):
    # Notes are append-only in the database: the admin shows them and never edits them.
    model = ConcernNote
    fields = ["created_at", "author", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SafeguardingConcern)
class SafeguardingConcernAdmin(admin.ModelAdmin):
    list_display = ["id", "council", "priority", "status", "owner", "created_at"]
    list_filter = ["council", "priority", "status"]
    readonly_fields = ["council", "about", "raised_by", "created_at", "updated_at", "closed_at"]
    inlines = [ConcernNoteInline]

    def has_delete_permission(self, request, obj=None):
        return False
