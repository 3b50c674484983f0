"""Agents from the vendor's side: import extensions as agents, subscribe them to events."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calls import roles
from calls.models import Agent, Project
from calls.pbx.base import Extension
from calls.pbx.for_project import adapter_for
from calls.vendor_tools import ToolResult, run_tool

_NOT_USERNAME = re.compile(r"[^\w.@+-]")


def vendor_extensions(project: Project) -> list[Extension]:
    """The project's phones at the vendor; PbxError (NotSupported) when it has no such list."""
    return [e for e in adapter_for(project).list_extensions() if e.name.strip()]


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
    agents = project.agents.order_by("extension")
    extensions = [Extension(a.extension, a.vendor_extension_id) for a in agents]
    done = adapter_for(project).register_webhooks(project.event_webhook_url, extensions)
    counts = {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}
    message = _(
        "%(name)s: event subscriptions for %(agents)d extension(s): %(created)d created, "
        "%(updated)d updated, %(unchanged)d unchanged."
    ) % {"name": project.name, "agents": done.extensions, **counts}
    if done.failures:
        message += " " + _("Failed: %(list)s") % {"list": "; ".join(done.failures)}
    return ToolResult(
        ok=not done.failures, message=message, counts={**counts, "failed": len(done.failures)}
    )
