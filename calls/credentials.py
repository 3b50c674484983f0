"""Which credentials each vendor needs, taken from the adapters themselves (each vendor's
folder declares its own; the registry lists the vendors)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from calls.pbx.base import CredentialField
from calls.pbx.registry import adapter_class, vendors


def fields_for(vendor: str) -> tuple[CredentialField, ...]:
    return adapter_class(vendor).credential_fields


def all_fields() -> dict[str, CredentialField]:
    """Every credential name any vendor uses, for one admin form that serves all vendors."""
    merged: dict[str, CredentialField] = {}
    for vendor in vendors():
        for field in fields_for(vendor):
            merged.setdefault(field.name, field)
    return merged


def check_credentials(vendor: str, given: dict[str, str], stored: list[str]) -> dict[str, str]:
    """Errors by field name for credentials the vendor needs that are neither given nor stored."""
    errors = {}
    for field in fields_for(vendor):
        if field.required and not given.get(field.name) and field.name not in stored:
            errors[field.name] = _("%(vendor)s needs %(label)s.") % {
                "vendor": _(adapter_class(vendor).label),
                "label": _(field.label),
            }
    return errors


def unknown_credentials(vendor: str, given: dict[str, str]) -> list[str]:
    names = {f.name for f in fields_for(vendor)}
    return sorted(k for k, v in given.items() if v and k not in names)
