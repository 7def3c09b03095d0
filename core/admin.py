from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses updates and deletes of audit rows anyway."""

    list_display = ["created_at", "verb", "target_type", "target_id", "actor_id", "council_id"]
    list_filter = ["verb", "target_type"]
    search_fields = ["verb"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
