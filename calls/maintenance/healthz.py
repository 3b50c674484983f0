"""GET /healthz: for load balancers and monitoring."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from calls.maintenance.housekeeping import LATE_PROBLEM, event_backlog


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers (200 when the database answers) and monitoring: how many PBX
    events wait for the event applier. A late applier does not fail the check: this
    process must stay in rotation to keep storing the PBX's webhooks."""
    now = timezone.now()
    backlog = event_backlog()
    oldest = backlog.oldest_at
    events = {
        "waiting": backlog.waiting,
        "oldest_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
    }
    if backlog.late(now):
        events["problem"] = LATE_PROBLEM
    return JsonResponse({"ok": True, "events": events})
