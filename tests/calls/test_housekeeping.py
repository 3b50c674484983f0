"""Calls the PBX never finished are closed with a reason; a silent PBX is flagged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.maintenance.housekeeping import close_stuck_calls, flag_silent_pbxs
from calls.maintenance.tasks import housekeeping
from calls.models import Call, WebhookRequest
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def call_in(agent, status, minutes_quiet, direction="outbound", **extra):
    call = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction=direction,
        remote_number="+40722123456",
        status=status,
        **extra,
    )
    Call.objects.filter(pk=call.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes_quiet),
        requested_at=timezone.now() - timedelta(minutes=minutes_quiet),
    )
    return call


def test_calls_left_ringing_are_closed_and_say_why(agent):
    # one agent per outbound call: an agent has one call in progress at most
    outbound = call_in(agent, "customer_ringing", 10)
    inbound = call_in(agent, "ringing", 10, direction="inbound")
    lost = call_in(make_agent(agent.project), "originating", 10)
    fresh = call_in(make_agent(agent.project), "agent_ringing", 1)
    assert close_stuck_calls().ringing == 3
    statuses = {c.pk: (c.status, c.failure_reason) for c in Call.objects.all()}
    assert (
        statuses[outbound.pk][0] == "no_answer"
        and "No news from the PBX" in statuses[outbound.pk][1]
    )
    assert statuses[inbound.pk][0] == "missed"
    assert statuses[lost.pk][0] == "failed" and "never confirmed" in statuses[lost.pk][1]
    assert statuses[fresh.pk][0] == "agent_ringing"


def test_a_call_no_worker_took_is_closed_and_frees_its_agent(agent, monkeypatch):
    from calls.outbound.start import start_call

    monkeypatch.setattr("calls.outbound.tasks.originate.delay", lambda call_id: None)
    waiting = call_in(agent, "queued", 3)
    just_clicked = call_in(make_agent(agent.project), "queued", 0)
    assert housekeeping()["queued"] == 1
    waiting.refresh_from_db()
    assert waiting.status == "failed"
    assert waiting.failure_reason.startswith("No worker took this call from the call queue")
    assert Call.objects.get(pk=just_clicked.pk).status == "queued"
    assert start_call(agent=agent, number="0744123456").created


def test_a_conversation_without_hangup_is_closed_after_hours_without_inventing_talk_time(agent):
    answered_at = timezone.now() - timedelta(hours=5)
    call = call_in(agent, "answered", 5 * 60, answered_at=answered_at)
    assert close_stuck_calls().answered == 1
    call.refresh_from_db()
    assert call.status == "completed" and call.duration is None
    assert "never reported the end" in call.failure_reason


def test_an_agent_stuck_on_a_call_can_call_again_after_housekeeping(agent, monkeypatch):
    from calls.outbound.refused import CallRefused
    from calls.outbound.start import start_call

    monkeypatch.setattr("calls.outbound.tasks.originate.delay", lambda call_id: None)
    call_in(agent, "customer_ringing", 10)
    with pytest.raises(CallRefused):
        start_call(agent=agent, number="0744123456")
    housekeeping()
    assert start_call(agent=agent, number="0744123456").created


def test_a_silent_pbx_is_flagged_and_unflagged_when_heard_again(agent):
    call_in(agent, "customer_ringing", 15)
    assert flag_silent_pbxs() == [agent.project]
    agent.project.refresh_from_db()
    assert agent.project.events_silent_since is not None
    assert flag_silent_pbxs() == []  # flagged once, not every minute
    WebhookRequest.objects.create(
        project=agent.project, vendor="while1", method="POST", verdict="accepted"
    )
    flag_silent_pbxs()
    agent.project.refresh_from_db()
    assert agent.project.events_silent_since is None


def test_a_project_without_calls_is_never_flagged(project):
    assert flag_silent_pbxs() == []


def logged(project, verdict, days_ago):
    entry = WebhookRequest.objects.create(project=project, vendor="sandbox", verdict=verdict)
    WebhookRequest.objects.filter(pk=entry.pk).update(
        received_at=timezone.now() - timedelta(days=days_ago)
    )
    return entry


def test_the_webhook_log_keeps_its_last_days_and_never_drops_what_is_waiting(project, settings):
    from calls.maintenance.housekeeping import purge_webhook_log

    settings.WEBHOOK_LOG_DAYS = 30
    old = [logged(project, verdict, 31) for verdict in ("accepted", "refused", "failed")]
    waiting = logged(project, "queued", 31)  # never applied: kept until it is
    recent = logged(project, "accepted", 29)
    assert purge_webhook_log() == len(old)
    assert set(WebhookRequest.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}


def test_requests_waiting_too_long_for_the_applier_are_reported(project, caplog):
    from calls.maintenance.housekeeping import check_event_backlog

    logged(project, "queued", 0)
    assert check_event_backlog() == 0  # just arrived: nothing to say
    stale = logged(project, "queued", 0)
    WebhookRequest.objects.filter(pk=stale.pk).update(
        received_at=timezone.now() - timedelta(minutes=5)
    )
    assert check_event_backlog() == 2
    assert "apply_events" in caplog.text  # tells the operator what to start
    assert set(housekeeping()) >= {"webhook_log_purged", "events_waiting"}
