"""Agents from the vendor's side: import extensions as agents, subscribe them to events."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calls import roles
from calls.models import Agent, Project, Vendor
from calls.pbx.base import PbxError
from calls.pbx.for_project import adapter_for
from calls.vendor_tools import ToolResult, run_tool

_NOT_USERNAME = re.compile(r"[^\w.@+-]")


@dataclass(frozen=True)
class Extension:
    """One phone at the vendor, in our words."""

    name: str  # what Agent.extension holds: SIP account (VoipCenter), "000*099" (Telphin)
    vendor_id: str = ""  # numeric id the vendor's API needs (Telphin)
    label: str = ""


def vendor_extensions(project: Project) -> list[Extension]:
    """The project's phones at the vendor; PbxError when the vendor says no."""
    adapter = adapter_for(project)
    vendor = project.pbx_account.vendor
    if vendor == Vendor.VOIPCENTER:
        rows = adapter.list_sip_accounts()
        found = [
            Extension(str(r.get("username") or r.get("name") or ""), "", str(r.get("name") or ""))
            for r in rows
        ]
    elif vendor == Vendor.TELPHIN:
        found = [
            Extension(e.name, str(e.id), e.label)
            for e in adapter.list_extensions()
            if e.type in ("", "phone")
        ]  # queues, IVRs and faxes are not people
    else:
        raise PbxError(
            _("%(vendor)s offers no list of extensions to import.") % {"vendor": adapter.label}
        )
    return [e for e in found if e.name.strip()]


def import_agents(
    project: Project, *, actor: AbstractBaseUser | None = None, request: HttpRequest | None = None
) -> ToolResult:
    return run_tool(
        "import_agents", project, lambda: _import(project), actor=actor, request=request
    )


def _import(project: Project) -> ToolResult:
    created = skipped = linked = 0
    group = Group.objects.get(name=roles.AGENT)
    for extension in vendor_extensions(project):
        existing = Agent.objects.filter(project=project, extension=extension.name).first()
        if existing is not None:
            if extension.vendor_id and not existing.vendor_extension_id:
                existing.vendor_extension_id = extension.vendor_id
                existing.save(update_fields=["vendor_extension_id"])
                linked += 1
            else:
                skipped += 1
            continue
        try:
            with transaction.atomic():
                _new_agent(project, extension, group)
            created += 1
        except IntegrityError:  # created meanwhile by a second import: that is a skip
            skipped += 1
    message = _(
        "%(name)s: %(created)d agent(s) created, %(skipped)d already there, %(linked)d "
        "given their vendor extension id. New agents have no password yet: set one."
    ) % {"name": project.name, "created": created, "skipped": skipped, "linked": linked}
    counts = {"created": created, "skipped": skipped, "linked": linked}
    return ToolResult(ok=True, message=message, counts=counts)


def _new_agent(project: Project, extension: Extension, group: Group) -> Agent:
    user = User(username=_free_username(project, extension.name), first_name=extension.label[:150])
    user.set_unusable_password()
    user.save()
    user.groups.add(group)
    return Agent.objects.create(
        user=user,
        project=project,
        extension=extension.name,
        vendor_extension_id=extension.vendor_id,
    )


def _free_username(project: Project, extension: str) -> str:
    base = _NOT_USERNAME.sub("-", extension.strip())[:100] or "agent"
    for candidate in (base, f"{base}-p{project.pk}"):
        if not User.objects.filter(username=candidate).exists():
            return candidate
    n = 2
    while User.objects.filter(username=f"{base}-p{project.pk}-{n}").exists():
        n += 1
    return f"{base}-p{project.pk}-{n}"


def register_webhooks(
    project: Project, *, actor: AbstractBaseUser | None = None, request: HttpRequest | None = None
) -> ToolResult:
    return run_tool(
        "register_webhooks", project, lambda: _register(project), actor=actor, request=request
    )


def _register(project: Project) -> ToolResult:
    if project.pbx_account.vendor != Vendor.TELPHIN:
        return ToolResult(
            ok=False,
            message=_(
                "%(name)s: only Telphin takes event addresses through its API; give other PBXs "
                "the webhook address by hand."
            )
            % {"name": project.name},
        )
    agents = project.agents.exclude(vendor_extension_id="").order_by("extension")
    if not agents:
        return ToolResult(
            ok=False,
            message=_(
                "%(name)s has no agent with a Telphin extension id; import the extensions first."
            )
            % {"name": project.name},
        )
    adapter = adapter_for(project)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    failures = []
    for agent in agents:
        try:
            sync = adapter.register_webhooks(
                agent.vendor_extension_id, project.event_webhook_url, "POST"
            )
        except PbxError as exc:
            failures.append(f"{agent.extension}: {exc.message}")
            continue
        counts["created"] += len(sync.created)
        counts["updated"] += len(sync.updated)
        counts["unchanged"] += len(sync.unchanged)
    message = _(
        "%(name)s: event subscriptions for %(agents)d extension(s): %(created)d created, "
        "%(updated)d updated, %(unchanged)d unchanged."
    ) % {"name": project.name, "agents": len(agents) - len(failures), **counts}
    if failures:
        message += " " + _("Failed: %(list)s") % {"list": "; ".join(failures)}
    return ToolResult(ok=not failures, message=message, counts={**counts, "failed": len(failures)})
