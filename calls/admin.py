"""Django admin: vendor setup (admins only), its tools, and read-only records.

Secrets are write-only; every change to a PBX account or project and every tool
run is written to the audit trail (calls/audit.py). The tools' services live in
calls/vendor_tools/; the record admins in calls/admin_pages/records.py.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from calls import audit, roles
from calls.admin_pages import records  # registers the record admins (CallAdmin: below)
from calls.admin_pages.forms import PbxAccountForm, ProjectForm, credential_input_names
from calls.admin_pages.voipcenter import has_switches, stream_status, voipcenter_page
from calls.models import Agent, Call, EndedBy, PbxAccount, Project, UserPreference
from calls.outbound import hangup
from calls.vendor_tools import ToolResult
from calls.vendor_tools.agents import import_agents, register_webhooks
from calls.vendor_tools.connection import check_connection
from calls.vendor_tools.test_event import send_test_event
from calls.vendor_tools.voipcenter import sync_call_history


class AdminsOnly:
    """Vendor settings and tools: only admins (roles.is_admin) see or touch them."""

    def has_module_permission(self, request) -> bool:
        return roles.is_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_admin(request.user) and super().has_view_permission(request, obj)

    def has_tools_permission(self, request) -> bool:
        return roles.is_admin(request.user)


class ToolMessages:
    def report(self, request, result: ToolResult) -> None:
        self.message_user(
            request, result.message, messages.SUCCESS if result.ok else messages.ERROR
        )


@admin.register(PbxAccount)
class PbxAccountAdmin(AdminsOnly, ToolMessages, admin.ModelAdmin):
    form = PbxAccountForm
    list_display = ["name", "vendor", "base_url", "stored_credentials", "last_warning"]
    list_filter = ["vendor"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["stored_credentials", "last_warning", "last_warning_at", "live_stream"]
    actions = ["test_connection"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The credential inputs are no model fields: each form adds them (PbxAccountForm).
        kwargs["fields"] = PbxAccountForm.Meta.fields
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": PbxAccountForm.Meta.fields}),
            (
                _("Credentials"),
                {
                    "fields": credential_input_names(),
                    "description": _(
                        "Write-only: stored encrypted and never shown again. Fill in the ones "
                        "your vendor uses; leave a stored one empty to keep it."
                    ),
                },
            ),
            (
                _("Status"),
                {
                    "fields": [
                        "stored_credentials",
                        "last_warning",
                        "last_warning_at",
                        "live_stream",
                    ]
                },
            ),
        ]

    @admin.display(description=_("stored credentials"))
    def stored_credentials(self, obj: PbxAccount) -> str:
        return ", ".join(obj.credential_names) or "—"

    @admin.display(description=_("live event stream"))
    def live_stream(self, obj: PbxAccount) -> str:
        return stream_status(obj)  # VoipCenter only: the state kept by listen_voipcenter

    def save_model(self, request, obj: PbxAccount, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if not f.startswith("cred_")]
        audit.account_saved(
            request.user,
            obj,
            created=not change,
            fields=fields,
            credentials=getattr(form, "given_credentials", {}).keys(),
            request=request,
        )

    @admin.action(description=_("Test connection"), permissions=["tools"])
    def test_connection(self, request, queryset) -> None:
        for account in queryset:
            self.report(request, check_connection(account, actor=request.user, request=request))


@admin.register(Project)
class ProjectAdmin(AdminsOnly, ToolMessages, admin.ModelAdmin):
    form = ProjectForm
    list_display = ["name", "pbx_account", "region", "pbx_silence"]
    list_filter = [
        "pbx_account__vendor",
        "region",
        ("events_silent_since", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name"]
    list_select_related = ["pbx_account"]
    readonly_fields = ["pbx_silence", "event_webhook_url", "caller_lookup_url", "recent_logs"]
    fieldsets = [
        (None, {"fields": ["pbx_silence", "name", "pbx_account", "region", "settings"]}),
        (_("Addresses to give the PBX"), {"fields": ["event_webhook_url", "caller_lookup_url"]}),
        (
            _("The working day"),
            {
                "fields": [
                    "disposition_required",
                    "wrapup_note_required",
                    "service_level_seconds",
                ]
            },
        ),
        (_("Logs"), {"fields": ["recent_logs"]}),
    ]
    actions = [
        "rotate_tokens",
        "send_test_event",
        "import_agents",
        "register_webhooks",
        "sync_call_history",
    ]

    @admin.display(description=_("PBX silent since"), ordering="events_silent_since")
    def pbx_silence(self, obj: Project) -> str:
        if obj.events_silent_since is None:
            return _("Events arriving normally")
        return format_html(
            '<strong class="errornote">{}</strong>',
            _("Silent since %(when)s: calls are made but the PBX sends no events.")
            % {"when": obj.events_silent_since.strftime("%Y-%m-%d %H:%M UTC")},
        )

    @admin.display(description=_("webhook log"))
    def recent_logs(self, obj: Project) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:calls_webhookrequest_changelist") + f"?project__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Recent requests from the PBX"))

    def get_urls(self):
        page = self.admin_site.admin_view(
            lambda request, object_id: voipcenter_page(self, request, object_id)
        )
        return [
            path("<int:object_id>/voipcenter/", page, name="calls_project_voipcenter"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        project = self.get_object(request, object_id)
        if project and has_switches(project.pbx_account.vendor) and roles.is_admin(request.user):
            extra["voipcenter_url"] = reverse("admin:calls_project_voipcenter", args=[project.pk])
        return super().change_view(request, object_id, form_url, extra)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # Left empty (or posted by a script that predates it): the default target.
        if "service_level_seconds" in form.base_fields:
            form.base_fields["service_level_seconds"].required = False
        return form

    def save_model(self, request, obj: Project, form, change: bool) -> None:
        if obj.service_level_seconds is None:
            obj.service_level_seconds = Project._meta.get_field("service_level_seconds").default
        before = dict(Project.objects.get(pk=obj.pk).settings or {}) if change else {}
        super().save_model(request, obj, form, change)
        audit.project_saved(
            request.user,
            obj,
            created=not change,
            fields=[f for f in form.changed_data if f != "settings"],
            settings_keys=audit.settings_diff(before, obj.settings or {}),
            request=request,
        )

    @admin.action(description=_("Rotate webhook and lookup tokens"), permissions=["tools"])
    def rotate_tokens(self, request, queryset) -> None:
        for project in queryset:
            project.rotate_tokens()
            project.save(update_fields=["webhook_token", "lookup_token"])
            audit.tokens_rotated(request.user, project, request)
        self.message_user(
            request,
            _("New tokens issued: update the URLs configured at the PBX."),
            messages.WARNING,
        )

    @admin.action(description=_("Send test event through the webhook"), permissions=["tools"])
    def send_test_event(self, request, queryset) -> None:
        for project in queryset.select_related("pbx_account"):
            self.report(request, send_test_event(project, actor=request.user, request=request))

    @admin.action(description=_("Import extensions as agents"), permissions=["tools"])
    def import_agents(self, request, queryset) -> None:
        for project in queryset.select_related("pbx_account"):
            self.report(request, import_agents(project, actor=request.user, request=request))

    @admin.action(description=_("Register webhooks at the PBX"), permissions=["tools"])
    def register_webhooks(self, request, queryset) -> None:
        for project in queryset.select_related("pbx_account"):
            self.report(request, register_webhooks(project, actor=request.user, request=request))

    @admin.action(description=_("Sync call history from the PBX"), permissions=["tools"])
    def sync_call_history(self, request, queryset) -> None:
        for project in queryset.select_related("pbx_account"):
            self.report(request, sync_call_history(project, actor=request.user, request=request))


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "project",
        "extension",
        "destination_type",
        "screen_pop",
        "vendor_extension_id",
        "availability",
    ]
    list_filter = ["project", "destination_type", "screen_pop", "availability"]
    # The agent sets these (the header's menu, the API): a change here would skip the
    # history that the statistics read.
    readonly_fields = ["availability", "availability_since", "pause_reason"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "extension"]
    list_select_related = ["user", "project"]
    autocomplete_fields = ["user"]


from calls.history import admin as _history_admin  # noqa: E402, F401

# The calls' record admin (calls/admin_pages/records.py), with one action: admins end a
# call the PBX cannot hang up or never reported ending.
admin.site.unregister(Call)


@admin.register(Call)
class CallAdmin(records.CallAdmin):
    list_display = [*records.CallAdmin.list_display, "ended_by"]
    list_filter = [*records.CallAdmin.list_filter, "ended_by"]
    actions = ["end_call_here"]

    def has_end_here_permission(self, request) -> bool:
        return roles.is_admin(request.user)

    @admin.action(
        description=_("End in pbxportal (the PBX did not report the end)"),
        permissions=["end_here"],
    )
    def end_call_here(self, request, queryset) -> None:
        ended = already = 0
        for call in queryset.select_related("agent"):
            done = hangup.end_call_here(call=call, by=request.user, role=EndedBy.ADMIN)
            ended, already = ended + done.ended, already + (not done.ended)
        if ended:
            self.message_user(
                request,
                ngettext(
                    "%(n)d call ended in pbxportal; the agent can call again.",
                    "%(n)d calls ended in pbxportal; their agents can call again.",
                    ended,
                )
                % {"n": ended},
                messages.SUCCESS,
            )
        if already:
            self.message_user(
                request,
                ngettext(
                    "%(n)d call had already ended; nothing to do.",
                    "%(n)d calls had already ended; nothing to do.",
                    already,
                )
                % {"n": already},
                messages.INFO,
            )


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
