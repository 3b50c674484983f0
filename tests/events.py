"""What the ``events`` process does, run in the test's own thread."""

from __future__ import annotations

from calls.events import applier
from calls.models import WebhookRequest


def apply_queued() -> list[WebhookRequest]:
    """Apply every queued webhook request, as ``manage.py apply_events`` would; return them."""
    first = WebhookRequest.objects.filter(verdict="queued").order_by("id").first()
    while applier.apply_queued():
        pass
    if first is None:
        return []
    return list(WebhookRequest.objects.filter(id__gte=first.id).order_by("id"))
