"""Django admin: secrets are write-only, tokens rotatable, calls read-only history."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from calls import credentials
from calls.models import Agent, Call, CallEvent, PbxAccount, Project


class PbxAccountForm(forms.ModelForm):
    """One form for every vendor: credential inputs never render the stored value."""

    class Meta:
        model = PbxAccount
        fields = ["name", "vendor", "base_url"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.credential_names if self.instance.pk else []
        for name, spec in credentials.all_fields().items():
            widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput()
            help_text = _("Stored; leave empty to keep it.") if name in stored else ""
            self.fields[f"cred_{name}"] = forms.CharField(
                label=spec.label, required=False, widget=widget, help_text=help_text
            )

    def clean(self) -> dict:
        data = super().clean()
        vendor = data.get("vendor")
        if not vendor:
            return data
        given = {k[5:]: v for k, v in data.items() if k.startswith("cred_") and v}
        stored = self.instance.credential_names if self.instance.pk else []
        for name, error in credentials.check_credentials(vendor, given, stored).items():
            self.add_error(f"cred_{name}", error)
        for name in credentials.unknown_credentials(vendor, given):
            self.add_error(f"cred_{name}", _("This vendor does not use this credential."))
        self.given_credentials = given
        return data

    def save(self, commit: bool = True) -> PbxAccount:
        account = super().save(commit=False)
        account.set_credentials(getattr(self, "given_credentials", {}))
        if commit:
            account.save()
        return account


@admin.register(PbxAccount)
class PbxAccountAdmin(admin.ModelAdmin):
    form = PbxAccountForm
    list_display = ["name", "vendor", "base_url", "stored_credentials", "last_warning"]
    list_filter = ["vendor"]
    search_fields = ["name", "base_url"]
    readonly_fields = ["stored_credentials", "last_warning", "last_warning_at"]

    @admin.display(description=_("stored credentials"))
    def stored_credentials(self, obj: PbxAccount) -> str:
        return ", ".join(obj.credential_names) or "—"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "pbx_account", "region"]
    list_filter = ["pbx_account__vendor", "region"]
    search_fields = ["name"]
    readonly_fields = ["event_webhook_url", "caller_lookup_url"]
    actions = ["rotate_tokens"]

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
