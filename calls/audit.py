"""The audit trail: who dialled whom, who changed vendor settings, who ran which tool.

One writer, ``record()``, and small helpers that word each kind of entry. Entries
name what changed (field names, credential NAMES, settings keys) and never a value
that could be a secret: the trail is read by more people than the PBX account is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import AuditEntry, Call, PbxAccount, Project
from contacts.phones import format_for_people


class Action:
    """The action names stored on AuditEntry (filterable in the admin)."""

    CALL_STARTED = "call.started"
    CALL_HUNG_UP = "call.hung_up"
    CALL_ENDED_HERE = "call.ended_here"
    ACCOUNT_CREATED = "pbx_account.created"
    ACCOUNT_CHANGED = "pbx_account.changed"
    PROJECT_CREATED = "project.created"
    PROJECT_CHANGED = "project.changed"
    TOKENS_ROTATED = "project.tokens_rotated"
    TOOL_PREFIX = "tool."  # tool.test_connection, tool.import_agents, ...


# What each admin tool is called in the trail's sentences.
TOOL_LABELS = {
    "test_connection": gettext_lazy("Test connection"),
    "send_test_event": gettext_lazy("Send test event"),
    "register_webhooks": gettext_lazy("Register webhooks"),
    "import_agents": gettext_lazy("Import agents"),
    "sync_calls": gettext_lazy("Sync call history"),
    "set_indicator": gettext_lazy("Function indicator"),
    "set_did_routes": gettext_lazy("DID routing"),
}


def record(*args: Any, **kwargs: Any) -> AuditEntry:
    """Write one entry; the arguments are ``unsaved``'s."""
    entry = unsaved(*args, **kwargs)
    entry.save()
    return entry


def unsaved(
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None,
    summary: str,
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """One entry, not yet written. ``data`` must hold names and counts, never secret
    values. ``record`` writes it; calls/outbound/start.py inserts it with its call."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry(
        actor=user,
        action=action[:40],
        object_type=obj._meta.label_lower[:40] if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:500],
        data=dict(data or {}),
        remote_addr=_remote_addr(request),
    )


def _remote_addr(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def person(user: AbstractBaseUser | None) -> str:
    if user is None:
        return _("Someone")
    return user.get_full_name() or user.get_username()


def _number(call: Call) -> str:
    return format_for_people(call.remote_number, call.project.region)


def call_started(call: Call) -> AuditEntry:
    """After an outbound call was created: "Ana Popescu dialled 0722 …"."""
    entry = call_started_entry(call)
    entry.save()
    return entry


def call_started_entry(call: Call) -> AuditEntry:
    """``call_started``'s entry, unsaved: calls/outbound/start.py inserts it with the call."""
    user = call.agent.user if call.agent_id else None
    summary = _("%(who)s dialled %(number)s") % {"who": person(user), "number": _number(call)}
    if call.contact_id:
        summary += _(" (%(contact)s)") % {"contact": call.contact.name}
    data = {"project": call.project_id, "contact": call.contact_id}
    return unsaved(user, Action.CALL_STARTED, call, summary, data)


def call_hung_up(call: Call, by: AbstractBaseUser | None) -> AuditEntry:
    """Written by calls/outbound/hangup.py: who ended which call from the product."""
    summary = _("%(who)s hung up the call to %(number)s") % {
        "who": person(by),
        "number": _number(call),
    }
    return record(by, Action.CALL_HUNG_UP, call, summary, {"status": call.status})


def call_ended_here(call: Call, by: AbstractBaseUser | None, role: str) -> AuditEntry:
    """Written by end_call_here: who ended the call in pbxportal, and why it had to."""
    summary = _(
        "%(who)s ended the call to %(number)s in pbxportal; the PBX did not report the end"
    ) % {"who": person(by), "number": _number(call)}
    data = {"status": call.status, "ended_by": role}
    return record(by, Action.CALL_ENDED_HERE, call, summary, data)


def account_saved(
    actor: AbstractBaseUser | None,
    account: PbxAccount,
    *,
    created: bool,
    fields: Iterable[str] = (),
    credentials: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> AuditEntry:
    """A PBX account created or changed: the field names and credential NAMES, no values."""
    fields, credentials = sorted(set(fields)), sorted(set(credentials))
    action = Action.ACCOUNT_CREATED if created else Action.ACCOUNT_CHANGED
    if created:
        summary = _("%(who)s created PBX account %(name)s") % {
            "who": person(actor),
            "name": account.name,
        }
    else:
        changed = ", ".join([*fields, *(_("credential %s") % c for c in credentials)])
        summary = _("%(who)s changed PBX account %(name)s: %(changed)s") % {
            "who": person(actor),
            "name": account.name,
            "changed": changed or _("nothing"),
        }
    data = {"fields": fields, "credentials": credentials, "vendor": account.vendor}
    return record(actor, action, account, summary, data, request)


def settings_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names of the vendor-settings keys added, removed or changed (values may be secrets)."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k) or (k in before) != (k in after))


def project_saved(
    actor: AbstractBaseUser | None,
    project: Project,
    *,
    created: bool,
    fields: Iterable[str] = (),
    settings_keys: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> AuditEntry:
    fields, keys = sorted(set(fields)), sorted(set(settings_keys))
    if created:
        action = Action.PROJECT_CREATED
        summary = _("%(who)s created project %(name)s") % {
            "who": person(actor),
            "name": project.name,
        }
    else:
        action = Action.PROJECT_CHANGED
        changed = ", ".join([*fields, *(_("setting %s") % k for k in keys)])
        summary = _("%(who)s changed project %(name)s: %(changed)s") % {
            "who": person(actor),
            "name": project.name,
            "changed": changed or _("nothing"),
        }
    return record(actor, action, project, summary, {"fields": fields, "settings": keys}, request)


def tokens_rotated(
    actor: AbstractBaseUser | None, project: Project, request: HttpRequest | None = None
) -> AuditEntry:
    summary = _("%(who)s issued new webhook and lookup tokens for %(name)s") % {
        "who": person(actor),
        "name": project.name,
    }
    return record(actor, Action.TOKENS_ROTATED, project, summary, {}, request)


def tool_run(
    actor: AbstractBaseUser | None,
    tool: str,
    obj: models.Model,
    *,
    ok: bool,
    message: str,
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """An admin tool ran against a vendor: what it said, in the words the admin saw."""
    summary = _("%(who)s ran %(tool)s on %(obj)s: %(message)s") % {
        "who": person(actor),
        "tool": TOOL_LABELS.get(tool, tool),
        "obj": obj,
        "message": message,
    }
    payload = {"ok": ok, **(data or {})}
    return record(actor, Action.TOOL_PREFIX + tool, obj, summary, payload, request)
