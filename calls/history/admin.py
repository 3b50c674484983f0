"""Dispositions and pause reasons are set up per project by admins; the agents' Ready /
Paused history is read-only (imported at the end of calls/admin.py)."""

from __future__ import annotations

from django.contrib import admin

from calls.models import AgentStateChange, Disposition, PauseReason


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["project", "is_active"]
    search_fields = ["name", "project__name"]
    ordering = ["project", "position", "name"]


@admin.register(PauseReason)
class PauseReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["project", "is_active"]
    search_fields = ["name", "project__name"]
    ordering = ["project", "position", "name"]


@admin.register(AgentStateChange)
class AgentStateChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "agent", "availability", "reason"]
    list_filter = ["availability", "agent__project"]
    list_select_related = ["agent__user", "agent__project"]
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
