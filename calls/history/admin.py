"""Dispositions are set up per project by admins (imported at the end of calls/admin.py)."""

from __future__ import annotations

from django.contrib import admin

from calls.models import Disposition


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["project", "is_active"]
    search_fields = ["name", "project__name"]
    ordering = ["project", "position", "name"]
