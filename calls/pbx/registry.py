"""Vendor name -> adapter class. Adding a vendor is one line here (docs/adding-a-vendor.md)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from calls.pbx.base import PbxAdapter

ADAPTERS: dict[str, str] = {
    "while1": "calls.pbx.while1.While1Adapter",
    "voipcenter": "calls.pbx.voipcenter.adapter.VoipCenterAdapter",
    "telphin": "calls.pbx.telphin.adapter.TelphinAdapter",
    "sandbox": "calls.pbx.sandbox.SandboxAdapter",
}


def vendors() -> list[str]:
    """Every registered vendor's name, in the registry's order."""
    return list(ADAPTERS)


def vendor_choices() -> list[tuple[str, Promise]]:
    """(name, label) of every registered vendor: the choices of the models' vendor fields.
    A callable, so a new vendor needs no migration; migrations name it: keep it here."""
    return [(vendor, gettext_lazy(adapter_class(vendor).label)) for vendor in ADAPTERS]


class UnknownVendor(LookupError):
    pass


def adapter_class(vendor: str) -> type[PbxAdapter]:
    try:
        return import_string(ADAPTERS[vendor])
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownVendor(f"Unknown PBX vendor {vendor!r}; known vendors: {known}.") from None
