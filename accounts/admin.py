from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.gis.admin import GISModelAdmin

from .models import Council, StaffMembership, User


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
