"""Admin forms: credentials and secret settings are write-only."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from calls import credentials, project_settings
from calls.models import PbxAccount, Project
from calls.pbx.registry import vendors

CREDENTIAL_PREFIX = "cred_"
SETTINGS_MASK = "********"
# Vendor settings whose values are secrets (webhook_signing_secret, any *_password, ...).
_SECRET_SETTING = re.compile(r"secret|password|passwd|token|private|api_key", re.IGNORECASE)


class PbxAccountForm(forms.ModelForm):
    """One form for every vendor: credential inputs never render the stored value."""

    class Meta:
        model = PbxAccount
        fields = ["name", "vendor", "base_url"]

    class Media:
        js = ["js/pbx_account_form.js"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Made per form from the registry as it is now: a vendor registered later has inputs.
        self.fields.update(credential_inputs())
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


def credential_input_names() -> list[str]:
    return [CREDENTIAL_PREFIX + name for name in credentials.all_fields()]


def credential_inputs() -> dict[str, forms.Field]:
    inputs = {}
    used_by = vendors_by_credential()
    for name, spec in credentials.all_fields().items():
        # static/js/pbx_account_form.js shows only the chosen vendor's inputs.
        attrs = {"data-vendors": " ".join(used_by[name])}
        widget = (
            forms.PasswordInput(render_value=False, attrs=attrs)
            if spec.secret
            else forms.TextInput(attrs=attrs)
        )
        inputs[CREDENTIAL_PREFIX + name] = forms.CharField(
            label=_(spec.label), required=False, widget=widget, strip=True
        )
    return inputs


def vendors_by_credential() -> dict[str, list[str]]:
    """Credential name -> the vendors that use it (several share api_key, password, ...)."""
    used_by: dict[str, list[str]] = {}
    for vendor in vendors():
        for field in credentials.fields_for(vendor):
            used_by.setdefault(field.name, []).append(vendor)
    return used_by


def is_secret_setting(key: str) -> bool:
    return bool(_SECRET_SETTING.search(key))


def masked_settings(values: dict[str, Any]) -> dict[str, Any]:
    return {k: SETTINGS_MASK if is_secret_setting(k) and v else v for k, v in values.items()}


class ProjectForm(forms.ModelForm):
    """Vendor settings as JSON, with secret values shown as a mask that keeps them."""

    class Meta:
        model = Project
        fields = ["name", "pbx_account", "region", "settings"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["settings"] = masked_settings(self.instance.settings or {})
        self.fields["settings"].help_text = _(
            "Vendor-specific settings, e.g. project_id, outbound_number, webhook_signing_secret. "
            "Secret values show as %(mask)s: leave the mask to keep the stored value."
        ) % {"mask": SETTINGS_MASK}

    def clean_settings(self) -> dict[str, Any]:
        values = self.cleaned_data.get("settings") or {}
        if not isinstance(values, dict):
            raise forms.ValidationError(_("Vendor settings must be a JSON object."))
        stored = (self.instance.settings or {}) if self.instance.pk else {}
        values = {
            k: stored.get(k, "") if v == SETTINGS_MASK and is_secret_setting(k) else v
            for k, v in values.items()
        }
        # The same checks as the API: the IP allowlist read, the signing secret encrypted.
        try:
            return project_settings.checked_settings(values, stored, keep_unsent_secrets=False)
        except project_settings.BadSettings as exc:
            raise forms.ValidationError(str(exc)) from None
