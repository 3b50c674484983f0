"""Admin tools that talk to a vendor: the services behind the admin's actions and pages.

Each tool returns a ToolResult whose message is a sentence for the admin (the
vendor's answer in plain words), and leaves an audit entry. No tool lets an
exception through to the page: a vendor refusal becomes its sentence, anything
unexpected a short apology with the details in the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calls import audit
from calls.pbx.base import PbxError
from calls.pbx.registry import UnknownVendor
from pbxportal.crypto import UndecryptableCredentials

log = logging.getLogger("calls.vendor_tools")


@dataclass(frozen=True)
class ToolResult:
    ok: bool
    message: str
    counts: dict[str, Any] = field(default_factory=dict)


def run_tool(
    tool: str,
    obj: models.Model,
    work: Callable[[], ToolResult],
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
) -> ToolResult:
    """Run ``work``, turn any failure into a sentence, and write the audit entry."""
    try:
        result = work()
    except PbxError as exc:
        result = ToolResult(ok=False, message=exc.message)
    except (UnknownVendor, UndecryptableCredentials) as exc:
        result = ToolResult(ok=False, message=str(exc))
    except Exception:
        log.exception("admin tool %s failed on %s %s", tool, obj._meta.label, obj.pk)
        result = ToolResult(
            ok=False,
            message=_(
                "Something unexpected went wrong; nothing more is known here. "
                "The details are in the server log."
            ),
        )
    audit.tool_run(
        actor,
        tool,
        obj,
        ok=result.ok,
        message=result.message,
        data=result.counts,
        request=request,
    )
    return result
