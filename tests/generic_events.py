"""Requests in the generic (sandbox) webhook dialect, as a PBX sends them, for the
webhook and event applier tests."""

import json

from calls.models import Call
from tests.events import apply_queued


def originating_call(agent) -> Call:
    return Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status="originating",
    )


def hook(project):
    return f"/hooks/{project.pbx_account.vendor}/{project.webhook_token}/"


def generic(call, event, leg="", status=None, n=0, **extra):
    return {
        "event_id": f"e-{call.pk}-{event}-{leg}-{n}",
        "call_id": "sbx-1",
        "external_id": str(call.external_id),
        "event": event,
        "leg": leg,
        "direction": "outbound",
        "status": status,
        "timestamp": f"2026-11-27T10:00:{n:02d}Z",
        **extra,
    }


def post(client, project, body, **headers):
    """POST ``body`` as the PBX would, then let the event applier do its part."""
    response = client.post(
        hook(project), json.dumps(body), content_type="application/json", **headers
    )
    apply_queued()
    return response
