"""VoipCenter switches: function indicators (day/night modes) and DID routing, audited
(calls.vendor_tools.run_tool); reading them is the adapter's (calls/pbx/voipcenter/switches.py)."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from calls.models import Project
from calls.pbx.base import PbxError
from calls.pbx.for_project import adapter_for
from calls.pbx.voipcenter.adapter import VoipCenterAdapter
from calls.pbx.voipcenter.switches import Did, Indicator
from calls.vendor_tools import ToolResult, run_tool


def voipcenter_adapter(project: Project, feature: str = "list_indicators") -> VoipCenterAdapter:
    """The project's adapter when it offers ``feature`` (VoipCenter's switches, its history)."""
    adapter = adapter_for(project)
    if not adapter.offers(feature):
        raise PbxError(_("%(name)s does not use VoipCenter.") % {"name": project.name})
    return adapter  # type: ignore[return-value]


def list_indicators(project: Project) -> list[Indicator]:
    return voipcenter_adapter(project).list_indicators()


def list_dids(project: Project) -> list[Did]:
    return voipcenter_adapter(project).list_dids()


def set_indicator(
    project: Project,
    indicator_id: str,
    on: bool,
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ToolResult:
    def work() -> ToolResult:
        voipcenter_adapter(project).set_indicator(indicator_id, on)
        words = _("on") if on else _("off")
        return ToolResult(
            ok=True,
            message=_("VoipCenter switched function indicator %(id)s %(state)s.")
            % {"id": indicator_id, "state": words},
            counts={"indicator": indicator_id, "on": on},
        )

    return run_tool("set_indicator", project, work, actor=actor, request=request)


def set_did_routes(
    project: Project,
    did_id: str,
    routes: dict[str, str],
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ToolResult:
    """Set the routes given (empty ones are left as VoipCenter has them)."""
    chosen = {name: value for name, value in routes.items() if str(value).strip()}

    def work() -> ToolResult:
        if not chosen:
            return ToolResult(ok=False, message=_("Fill in at least one route to change."))
        try:
            voipcenter_adapter(project).set_did_routes(did_id, **chosen)
        except (TypeError, ValueError) as exc:
            return ToolResult(ok=False, message=str(exc))
        changed = ", ".join(f"{name}={value}" for name, value in sorted(chosen.items()))
        return ToolResult(
            ok=True,
            message=_("VoipCenter changed the routing of DID %(id)s: %(changed)s.")
            % {"id": did_id, "changed": changed},
            counts={"did": did_id, "routes": sorted(chosen)},
        )

    return run_tool("set_did_routes", project, work, actor=actor, request=request)


def sync_call_history(
    project: Project,
    *,
    days: int = 2,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ToolResult:
    """calls.events.history_sync for today and the days before (UTC), as the beat task does."""
    from calls.events.history_sync import sync_calls

    def work() -> ToolResult:
        voipcenter_adapter(project, "sync_calls")  # refuses other vendors in words
        today = timezone.now().astimezone(UTC).date()
        totals = {"listed": 0, "created": 0, "matched": 0, "known": 0, "settled": 0, "skipped": 0}
        for offset in range(days):
            result = sync_calls(project, today - timedelta(days=offset))
            for key in totals:
                totals[key] += getattr(result, key)
        return ToolResult(
            ok=True,
            message=_(
                "%(name)s: VoipCenter listed %(listed)d call(s) for the last %(days)d day(s): "
                "%(created)d added to the history, %(matched)d matched to calls placed here, "
                "%(settled)d ended here from the history, %(known)d already known, "
                "%(skipped)d still in progress or unreadable."
            )
            % {"name": project.name, "days": days, **totals},
            counts=totals,
        )

    return run_tool("sync_calls", project, work, actor=actor, request=request)
