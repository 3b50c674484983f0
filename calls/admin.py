"""Django admin: secrets are write-only, tokens rotatable, calls read-only history."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from calls import credentials, roles
from calls.models import Agent, Call, CallEvent, PbxAccount, Project, WebhookRequest
from calls.webhook_service import replay

CREDENTIAL_PREFIX = "cred_"


class BasePbxAccountForm(forms.ModelForm):
    """One form for every vendor: credential inputs never render the stored value."""

    class Meta:
        model = PbxAccount
        fields = ["name", "vendor", "base_url"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.credential_names if self.instance.pk else []
        for name in stored:
            field = self.fields.get(CREDENTIAL_PREFIX + name)
            if field is not None:
                field.help_text = _("Stored; leave empty to keep it.")

    def clean(self) -> dict:
        data = super().clean()
        vendor = data.get("vendor")
        if not vendor:
            return data
        size = len(CREDENTIAL_PREFIX)
        given = {k[size:]: v for k, v in data.items() if k.startswith(CREDENTIAL_PREFIX) and v}
        stored = self.instance.credential_names if self.instance.pk else []
        for name, error in credentials.check_credentials(vendor, given, stored).items():
            self.add_error(CREDENTIAL_PREFIX + name, error)
        for name in credentials.unknown_credentials(vendor, given):
            self.add_error(CREDENTIAL_PREFIX + name, _("This vendor does not use this credential."))
        self.given_credentials = given
        return data

    def save(self, commit: bool = True) -> PbxAccount:
        account = super().save(commit=False)
        account.set_credentials(getattr(self, "given_credentials", {}))
        if commit:
            account.save()
        return account


def _credential_inputs() -> dict[str, forms.Field]:
    inputs = {}
    for name, spec in credentials.all_fields().items():
        widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput()
        inputs[CREDENTIAL_PREFIX + name] = forms.CharField(
            label=spec.label, required=False, widget=widget, strip=True
        )
    return inputs


# Declared on the class (not in __init__) so the admin lays the inputs out and shows their errors.
PbxAccountForm = type("PbxAccountForm", (BasePbxAccountForm,), _credential_inputs())


@admin.register(PbxAccount)
class PbxAccountAdmin(admin.ModelAdmin):
    form = PbxAccountForm
    list_display = ["name", "vendor", "base_url", "stored_credentials", "last_warning"]
    list_filter = ["vendor"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["stored_credentials", "last_warning", "last_warning_at"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["name", "vendor", "base_url"]}),
            (
                _("Credentials"),
                {
                    "fields": list(_credential_inputs()),
                    "description": _(
                        "Write-only: stored encrypted and never shown again. Fill in the ones "
                        "your vendor uses; leave a stored one empty to keep it."
                    ),
                },
            ),
            (_("Status"), {"fields": ["stored_credentials", "last_warning", "last_warning_at"]}),
        ]

    @admin.display(description=_("stored credentials"))
    def stored_credentials(self, obj: PbxAccount) -> str:
        return ", ".join(obj.credential_names) or "—"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "pbx_account", "region", "events_silent_since"]
    list_filter = ["pbx_account__vendor", "region"]
    search_fields = ["name"]
    readonly_fields = [
        "event_webhook_url",
        "caller_lookup_url",
        "recent_logs",
        "events_silent_since",
    ]
    actions = ["rotate_tokens"]

    @admin.display(description=_("webhook log"))
    def recent_logs(self, obj: Project) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:calls_webhookrequest_changelist") + f"?project__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Recent requests from the PBX"))

    @admin.action(description=_("Rotate webhook and lookup tokens"))
    def rotate_tokens(self, request, queryset) -> None:
        for project in queryset:
            project.rotate_tokens()
            project.save(update_fields=["webhook_token", "lookup_token"])
        self.message_user(
            request,
            _("New tokens issued: update the URLs configured at the PBX."),
            messages.WARNING,
        )


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["__str__", "project", "extension", "destination_type"]
    list_filter = ["project", "destination_type"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "extension"]
    autocomplete_fields = ["user"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["requested_at", "direction", "remote_number", "agent", "status", "duration"]
    list_filter = ["status", "direction", "project", "agent"]
    search_fields = ["remote_number", "vendor_call_id", "external_id", "contact__name"]
    date_hierarchy = "requested_at"
    list_select_related = ["agent__user", "project"]
    raw_id_fields = ["contact", "agent"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # calls change only through services, from PBX events


@admin.register(CallEvent)
class CallEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "vendor", "kind", "dedupe_key", "call"]
    list_filter = ["vendor", "kind", "project"]
    search_fields = ["dedupe_key"]
    raw_id_fields = ["call"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
        applied = sum(o.body.get("applied", 0) for o in done)
        self.message_user(
            request,
            _(
                "%(n)d request(s) replayed; %(applied)d new event(s) applied "
                "(events applied before are never applied twice)."
            )
            % {"n": len(done), "applied": applied},
        )
