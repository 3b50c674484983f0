"""Send test event: one harmless event through the project's own webhook URL over HTTP.

It shows the whole path works (address, token, signature, parsing, the webhook
log) without touching statistics: the event's kind is one no dialect knows
("test" / EventType=pbxportal-test), so it is stored as an UNKNOWN event that
matches no call and creates none, and its id is new each time so it is never
taken for a repeat. It appears in the project's webhook log (WebhookRequest).
"""

from __future__ import annotations

import uuid

import requests
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils.translation import gettext as _

from calls.models import Project, WebhookRequest
from calls.pbx.for_project import adapter_for
from calls.pbx.http import make_session
from calls.vendor_tools import ToolResult, run_tool

TEST_MARKER = "pbxportal-test"
TIMEOUT = (3.0, 10.0)


def event_request(project: Project) -> tuple[dict[str, str], bytes]:
    """Headers and body of one test event in the project's dialect (NotSupported without)."""
    sample = adapter_for(project).sample_event(f"{TEST_MARKER}-{uuid.uuid4().hex}")
    return dict(sample.headers), sample.body


def send_test_event(
    project: Project,
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    session: requests.Session | None = None,
) -> ToolResult:
    return run_tool(
        "send_test_event",
        project,
        lambda: _send(project, session or make_session()),
        actor=actor,
        request=request,
    )


def _send(project: Project, session: requests.Session) -> ToolResult:
    url = project.event_webhook_url
    headers, body = event_request(project)
    before = WebhookRequest.objects.filter(project=project).order_by("-pk").first()
    try:
        response = session.post(
            url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException as exc:
        return ToolResult(
            ok=False,
            message=_(
                "The webhook address of %(name)s could not be reached (%(error)s); check "
                "PUBLIC_BASE_URL and that the web server answers there."
            )
            % {"name": project.name, "error": type(exc).__name__},
        )
    logged = WebhookRequest.objects.filter(project=project, pk__gt=before.pk if before else 0)
    in_log = logged.exists()
    ok = response.status_code == 200 and in_log
    if ok:
        message = _(
            "Test event sent to %(name)s's webhook address: it answered HTTP 200 and the "
            "request is in the webhook log. No call was created."
        )
    elif in_log:
        message = _(
            "Test event sent to %(name)s's webhook address: it answered HTTP %(status)s; "
            "the webhook log shows why."
        )
    else:
        message = _(
            "Test event sent to %(name)s's webhook address: it answered HTTP %(status)s "
            "and nothing reached this project's webhook log; check PUBLIC_BASE_URL."
        )
    message %= {"name": project.name, "status": response.status_code}
    return ToolResult(ok=ok, message=message, counts={"status": response.status_code})
