from django.contrib import admin

from .models import Block, ConcernNote, HelperCheck, Report, SafeguardingConcern


@admin.register(HelperCheck)
class HelperCheckAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "issued_on", "expires_on", "council"]
    list_filter = ["kind", "council"]


class ConcernNoteInline(admin.TabularInline):
    # Notes are append-only in the database: the admin shows them and never edits them.
    model = ConcernNote
    fields = ("created_at", "author", "body")
    readonly_fields = ("created_at", "author", "body")
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


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    raw_id_fields = ["blocker", "blocked"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["target_type", "target_id", "council", "status", "created_at"]
    list_filter = ["status", "target_type", "council"]
    raw_id_fields = ["reporter", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at", "decision_note", "created_at"]
