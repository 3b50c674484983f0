"""VoipCenter's live events end to end, over real sockets: the stream process (Listener)
against the sandbox's Socket.IO server, messages stored in the webhook log, the event
applier moving our calls, and the call history settling what the stream missed."""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from calls.events.applier import apply_queued
from calls.events.history_sync import sync_calls
from calls.models import (
    Call,
    CallDirection,
    CallEvent,
    CallStatus,
    EventStream,
    StreamState,
    Vendor,
    WebhookRequest,
    WebhookVerdict,
)
from calls.pbx.for_project import adapter_for, originate_request_for
from calls.pbx.voipcenter.listener import Listener, store_notify
from calls.pbx.voipcenter.stream import listen
from tests.factories import make_account, make_agent, make_project
from tests.processes import database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pa ss+wörd"


@pytest.fixture
def world(live_sandbox) -> SimpleNamespace:
    ws_user = live_sandbox.unique("ws")
    sandbox_account = live_sandbox.put_account(
        {
            "dialect": "voipcenter",
            "api_id": live_sandbox.unique("pi99"),
            "customer_number": "123456",
            "password": PASSWORD,
            "private_key": "priv&key",
            "extensions": ["201"],
            "ws_user": ws_user,
        }
    )
    stream_url = live_sandbox.http("GET", "/_sandbox/health").json()["voipcenter_stream"]
    account = make_account(
        Vendor.VOIPCENTER,
        api_id=sandbox_account["api_id"],
        customer_number="123456",
        password=PASSWORD,
        private_key="priv&key",
        ws_user=ws_user,
        ws_url=stream_url,
    )
    account.base_url = live_sandbox.url + "/voipcenter"
    account.save()
    project = make_project(account, region="BE")
    return SimpleNamespace(
        sandbox=live_sandbox,
        sandbox_account=sandbox_account,
        account=account,
        project=project,
        agent=make_agent(project, "201"),
    )


def listening(session: Callable = listen) -> Iterator[Listener]:
    """The stream process's Listener on a thread, looking at the accounts every 0.2 s."""
    stop, listener = threading.Event(), Listener(session)
    thread = threading.Thread(target=listener.run, args=(stop, 0.2), daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture
def connected(world) -> Iterator[Listener]:
    for listener in listening():
        stream_state(world, StreamState.CONNECTED)
        yield listener


def stream_state(world, state: str, timeout: float = 10.0) -> EventStream:
    def reached() -> EventStream | None:
        stream = EventStream.objects.filter(account=world.account).first()
        return stream if stream is not None and stream.state == state else None

    return wait_for(reached, timeout)


def click(world, number: str) -> Call:
    """What the Celery task does for a click: our row, then call.php through the adapter."""
    call = Call.objects.create(
        project=world.project,
        agent=world.agent,
        direction=CallDirection.OUTBOUND,
        remote_number=number,
        status=CallStatus.ORIGINATING,
    )
    result = adapter_for(world.project).originate(originate_request_for(call))
    assert result.ok, result.message
    return call


def settled(call: Call, status: str, timeout: float = 10.0) -> Call:
    def done() -> Call | None:
        apply_queued()
        call.refresh_from_db()
        return call if call.status == status else None

    return wait_for(done, timeout)


def kinds(call: Call) -> list[tuple[str, str]]:
    events = CallEvent.objects.filter(call=call).order_by("id")
    return [(e.kind, str(e.payload.get("event", ""))) for e in events]


def test_a_click_rings_talks_and_ends_from_the_stream(world, connected) -> None:
    call = settled(click(world, "+3293456789"), CallStatus.COMPLETED)

    assert kinds(call) == [
        ("dial_in", "ringing"),
        ("answer", "pickup"),
        ("dial_out", "dialing"),
        ("answer", "answered"),
        ("hangup", "hangup"),
    ]
    assert call.answered_at is not None and call.ended_at is not None
    assert call.vendor_call_id.startswith("sbx-")  # matched by SIP account and number
    logged = WebhookRequest.objects.filter(project=world.project, method="WS")
    assert logged.count() == 5
    assert set(logged.values_list("verdict", flat=True)) == {WebhookVerdict.ACCEPTED}
    stream = EventStream.objects.get(account=world.account)
    assert stream.messages == 5 and stream.last_message_at is not None


@pytest.mark.parametrize(
    ("number", "status"),
    [("+3293456486", CallStatus.BUSY), ("+3293456408", CallStatus.NO_ANSWER)],
)
def test_a_click_nobody_answers(world, connected, number: str, status: str) -> None:
    call = settled(click(world, number), status)

    assert call.answered_at is None and call.ended_at is not None
    assert [k for k, _ in kinds(call)] == ["dial_in", "answer", "dial_out", "hangup"]


def test_an_inbound_call_appears_rings_and_ends(world, connected) -> None:
    reply = world.sandbox.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": world.sandbox_account["name"],
            "from": "+3250123456",
            "to": "+3293456789",
            "extension": "201",
        },
    )
    assert reply.status == 201

    def appeared() -> Call | None:
        apply_queued()
        return Call.objects.filter(project=world.project, direction="inbound").first()

    call = settled(wait_for(appeared), CallStatus.COMPLETED)
    assert call.remote_number == "+3250123456" and call.agent == world.agent
    assert call.answered_at is not None


def test_a_call_that_ends_while_the_stream_is_down_is_settled_from_history(
    world, connected
) -> None:
    call = click(world, "+3293456789")
    world.sandbox.http("POST", "/_sandbox/voipcenter/stream/drop", json_body={"refuse_for": 1.5})

    def back() -> EventStream | None:  # dropped (an error kept), then reconnected by itself
        stream = EventStream.objects.get(account=world.account)
        return stream if stream.last_error and stream.state == StreamState.CONNECTED else None

    stream = wait_for(back, 15)
    assert "VoipCenter" in stream.last_error and stream.last_error_at is not None

    apply_queued()
    call.refresh_from_db()
    assert call.status != CallStatus.COMPLETED  # the hangup went out while we were away
    result = sync_calls(world.project, timezone.now().astimezone(UTC).date())

    call.refresh_from_db()
    assert call.status == CallStatus.COMPLETED and call.ended_at is not None
    assert result.settled + result.matched == 1
    again = sync_calls(world.project, timezone.now().astimezone(UTC).date())
    assert again.settled == 0 and again.created == 0  # idempotent


def test_a_refused_key_is_a_clear_error_not_a_crash_loop(world, caplog) -> None:
    def wrong_key(login, *args, **kwargs):
        return listen(dataclasses.replace(login, key="not-the-key"), *args, **kwargs)

    caplog.set_level(logging.DEBUG)
    for _listener in listening(wrong_key):
        stream = stream_state(world, StreamState.FAILED)
    assert "refused the websocket user or key" in stream.last_error
    assert PASSWORD not in caplog.text


def test_an_unknown_websocket_user_is_a_clear_error(world) -> None:
    world.account.set_credentials({"ws_user": "nobody-here"})
    world.account.save()
    for _listener in listening():
        stream = stream_state(world, StreamState.FAILED)
    assert stream.last_error.startswith("VoipCenter 2: incorrect ID")


def test_the_key_never_reaches_logs_or_the_webhook_log(world, caplog) -> None:
    keys: list[str] = []

    def remembering(login, *args, **kwargs):
        keys.append(login.key)
        return listen(login, *args, **kwargs)

    caplog.set_level(logging.DEBUG)
    for _listener in listening(remembering):
        stream_state(world, StreamState.CONNECTED)
        settled(click(world, "+3293456789"), CallStatus.COMPLETED)
    assert keys and all(key not in caplog.text for key in keys)
    bodies = " ".join(WebhookRequest.objects.values_list("body", flat=True))
    assert all(key not in bodies for key in keys) and PASSWORD not in caplog.text


def test_malformed_messages_are_kept_and_shown_never_a_crash(world) -> None:
    for message in ("not json at all", {"type": "presence", "sipacc": "201"}, [1, 2], None):
        store_notify(world.account, message)

    assert apply_queued() == 4
    logged = WebhookRequest.objects.filter(project=world.project, method="WS")
    assert set(logged.values_list("verdict", flat=True)) == {WebhookVerdict.ACCEPTED}
    stored = set(CallEvent.objects.filter(project=world.project).values_list("kind", flat=True))
    assert stored == {"unknown", "message"}
    assert not Call.objects.filter(project=world.project).exists()


def test_the_stream_process_follows_a_call_and_stops_cleanly(world, tmp_path) -> None:
    """``manage.py listen_voipcenter``, the Procfile's ``voipcenter``, as a real process."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbxportal.test_settings",
        "DATABASE_URL": database_url(),
    }
    log_path = tmp_path / "voipcenter.log"
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "manage.py", "listen_voipcenter", "--refresh", "0.2"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            stream_state(world, StreamState.CONNECTED, timeout=30)
            call = settled(click(world, "+3293456789"), CallStatus.COMPLETED)
        finally:
            proc.terminate()
            code = proc.wait(timeout=20)
    assert code == 0, log_path.read_text()
    assert call.answered_at is not None
    stream = EventStream.objects.get(account=world.account)
    assert stream.state == StreamState.DISCONNECTED
    assert stream.last_error == "The stream process stopped."
    assert PASSWORD not in log_path.read_text()
