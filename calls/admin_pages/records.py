"""Admins of what happened: calls, events, the webhook log, callbacks, the audit trail.

All read-only: calls change through services from PBX events; the logs are evidence.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from calls import roles
from calls.events.applier import replay
from calls.models import AuditEntry, Call, Callback, CallEvent, WebhookRequest


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(ReadOnlyAdmin):
    list_display = [
        "requested_at",
        "direction",
        "remote_number",
        "agent",
        "project",
        "status",
        "duration",
        "disposition",
    ]
    list_filter = ["status", "direction", "project", "agent", "disposition"]
    search_fields = ["remote_number", "vendor_call_id", "external_id", "contact__name"]
    date_hierarchy = "requested_at"
    list_select_related = ["agent__user", "project", "disposition"]
    raw_id_fields = ["contact", "agent"]
    # recording_url may hold the vendor's credentials: never shown (editable=False keeps it off).
    exclude = ["idempotency_key"]


@admin.register(CallEvent)
class CallEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "vendor", "kind", "dedupe_key", "call", "project"]
    list_filter = ["vendor", "kind", "project"]
    search_fields = ["dedupe_key", "call__vendor_call_id"]
    date_hierarchy = "received_at"
    list_select_related = ["call", "project"]
    raw_id_fields = ["call"]


@admin.register(WebhookRequest)
class WebhookRequestAdmin(admin.ModelAdmin):
    """The project's "recent logs": what the PBX sent, what we made of it, and a replay."""

    list_display = [
        "received_at",
        "project",
        "vendor",
        "method",
        "verdict",
        "events",
        "applied",
        "remote_addr",
        "short_error",
    ]
    list_filter = ["verdict", "vendor", "project"]
    search_fields = ["body", "query", "error"]
    date_hierarchy = "received_at"
    actions = ["replay_requests"]
    readonly_fields = [f.name for f in WebhookRequest._meta.fields]

    @admin.display(description=_("error"))
    def short_error(self, obj: WebhookRequest) -> str:
        return obj.error[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_replay_permission(self, request) -> bool:
        return roles.is_admin(request.user)

    @admin.action(description=_("Replay: parse and apply again"), permissions=["replay"])
    def replay_requests(self, request, queryset) -> None:
        done = [replay(entry) for entry in queryset.exclude(verdict="refused")]
        applied = sum(entry.applied for entry in done)
        self.message_user(
            request,
            _(
                "%(n)d request(s) replayed; %(applied)d new event(s) applied "
                "(events applied before are never applied twice)."
            )
            % {"n": len(done), "applied": applied},
        )


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "number",
        "contact",
        "project",
        "missed_count",
        "attempts",
        "closed_at",
        "closed_reason",
    ]
    list_filter = ["project", "closed_reason", ("closed_at", admin.EmptyFieldListFilter)]
    search_fields = ["number", "contact__name"]
    date_hierarchy = "created_at"
    list_select_related = ["contact", "project"]
    raw_id_fields = ["contact", "missed_call", "closed_by_call"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "summary", "remote_addr"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["summary", "object_id", "actor__username"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
