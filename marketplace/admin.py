"""Django admin (superusers only, at /django-admin/). Council staff use the staff console.

Statuses and versions are read-only here: every status change goes through
`marketplace.lifecycle` via the services, and the audit log is append-only.
"""

from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin

from .models import (
    Category,
    CouncilCategory,
    Need,
    NeedSlot,
    Offer,
    OfferSlot,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "required_level",
        "is_regulated_activity",
        "is_meal",
        "sort_order",
        "is_active",
    ]
    list_editable = ["sort_order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(CouncilCategory)
class CouncilCategoryAdmin(admin.ModelAdmin):
    list_display = ["council", "category", "enabled"]
    list_filter = ["council", "enabled"]


class NeedSlotInline(admin.TabularInline):
    model = NeedSlot
    extra = 0


class OfferSlotInline(admin.TabularInline):
    model = OfferSlot
    extra = 0


class ListingAdmin(GISModelAdmin):
    readonly_fields = [
        "status",
        "version",
        "approx_location",
        "published_at",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["council", "category"]
    search_fields = ["title", "description"]


@admin.register(Need)
class NeedAdmin(ListingAdmin):
    list_display = ["title", "council", "category", "status", "urgency", "created_at"]
    list_filter = ["status", "urgency", "council", "category"]
    readonly_fields = [*ListingAdmin.readonly_fields, "closed_reason", "consent_recorded_at"]
    raw_id_fields = ["owner", "recorded_by"]
    inlines = [NeedSlotInline]


@admin.register(Offer)
class OfferAdmin(ListingAdmin):
    list_display = ["__str__", "council", "category", "status", "radius_m", "capacity"]
    list_filter = ["status", "council", "category"]
    raw_id_fields = ["helper"]
    inlines = [OfferSlotInline]
