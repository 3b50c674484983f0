"""Test connection: ask the vendor something harmless with the account's credentials."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calls.models import PbxAccount, Project
from calls.pbx.base import PbxAdapter, PbxConfig
from calls.pbx.for_project import adapter_for
from calls.pbx.registry import adapter_class
from calls.vendor_tools import ToolResult, run_tool


def account_adapter(account: PbxAccount) -> tuple[PbxAdapter, Project | None]:
    """The account's adapter, with its first project's settings when it has one.

    Some checks need project settings (While1 checks its project_id), so the
    first project stands in for the account; with none, the bare account is tried.
    """
    project = account.projects.order_by("pk").first()
    if project is not None:
        return adapter_for(project), project
    config = PbxConfig(base_url=account.base_url.rstrip("/"), credentials=account.credentials)
    return adapter_class(account.vendor)(config), None


def check_connection(
    account: PbxAccount,
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ToolResult:
    return run_tool(
        "test_connection", account, lambda: _check(account), actor=actor, request=request
    )


def _check(account: PbxAccount) -> ToolResult:
    adapter, project = account_adapter(account)
    check = adapter.test_connection()
    words = [f"{account.name}: {check.message}", *check.warnings]
    if project is not None:
        words.append(_("(checked with the settings of project %(name)s)") % {"name": project.name})
    elif adapter.project_settings_checked:
        words.append(
            _("(no project uses this account yet, so its %(settings)s was not checked)")
            % {"settings": ", ".join(adapter.project_settings_checked)}
        )
    return ToolResult(
        ok=check.ok, message=" ".join(words), counts={"warnings": len(check.warnings)}
    )
