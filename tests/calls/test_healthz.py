"""/healthz: what a load balancer and a monitoring check read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import WebhookRequest

pytestmark = pytest.mark.django_db


def queued(project, minutes_ago):
    row = WebhookRequest.objects.create(
        project=project, vendor="while1", method="POST", body="{}", verdict="queued"
    )
    WebhookRequest.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_a_healthy_product_says_ok_and_that_no_pbx_event_waits(client):
    reply = client.get("/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"ok": True, "events": {"waiting": 0, "oldest_seconds": None}}


def test_pbx_events_the_applier_has_not_taken_are_reported_without_failing_the_check(
    client, project
):
    queued(project, 0)
    queued(project, 5)
    reply = client.get("/healthz")
    # Still 200: the web process is fine and must keep storing the PBX's webhooks.
    assert reply.status_code == 200
    body = reply.json()
    assert body["ok"] is True
    assert body["events"]["waiting"] == 2 and body["events"]["oldest_seconds"] >= 300
    assert "apply_events" in body["events"]["problem"]
