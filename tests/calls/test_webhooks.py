"""Events the PBX sends us move calls forward once, whatever order they arrive in."""

import json
import time
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest

from calls.models import Call, CallEvent, WebhookRequest
from calls.pbx.generic import sign
from tests.events import apply_queued
from tests.factories import make_account, make_agent, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(agent):
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


def test_a_whole_call_walks_to_completed_with_its_talk_time(client, call):
    project = call.project
    for n, (event, leg, status) in enumerate(
        [
            ("dial-in", "agent", None),
            ("answer", "agent", None),
            ("dial-out", "customer", None),
            ("answer", "customer", None),
            ("hangup", "", "completed"),
        ]
    ):
        assert post(client, project, generic(call, event, leg, status, n=n * 10)).status_code == 200
    call.refresh_from_db()
    assert call.status == "completed" and call.duration == 10 and call.vendor_call_id == "sbx-1"


def test_a_repeated_event_is_stored_once_and_applied_once(client, call):
    body = generic(call, "dial-in", "agent")
    first, second = post(client, call.project, body), post(client, call.project, body)
    assert first.status_code == second.status_code == 200
    assert [e.applied for e in WebhookRequest.objects.order_by("id")] == [1, 0]
    assert CallEvent.objects.count() == 1


def test_the_pbx_is_answered_once_the_request_is_stored_and_events_apply_after(client, call):
    response = client.post(
        hook(call.project),
        json.dumps(generic(call, "dial-in", "agent")),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"queued": True}
    assert WebhookRequest.objects.get().verdict == "queued"
    call.refresh_from_db()
    assert call.status == "originating"  # nothing applied yet: the applier's job
    [entry] = apply_queued()
    call.refresh_from_db()
    assert (entry.verdict, entry.events, entry.applied) == ("accepted", 1, 1)
    assert entry.applied_at >= entry.received_at and call.status == "agent_ringing"


def test_a_late_event_never_moves_a_call_backwards(client, call):
    post(client, call.project, generic(call, "hangup", "", "busy", n=9, reason="User busy"))
    post(client, call.project, generic(call, "dial-in", "agent", n=1))
    call.refresh_from_db()
    assert call.status == "busy" and call.failure_reason == "User busy"


def test_a_wrong_token_is_403_and_nothing_is_written(client, call):
    response = client.post(
        f"/hooks/while1/{'x' * 43}/",
        json.dumps(generic(call, "dial-in")),
        content_type="application/json",
    )
    assert response.status_code == 403 and CallEvent.objects.count() == 0
    other_vendor = f"/hooks/telphin/{call.project.webhook_token}/"
    assert client.post(other_vendor, {}).status_code == 403


def test_a_signed_project_refuses_unsigned_forged_and_replayed_events(client, call):
    project = call.project
    project.settings = {**project.settings, "webhook_signing_secret": "s3cret"}
    project.save()
    body = json.dumps(generic(call, "dial-in", "agent")).encode()
    assert post(client, project, json.loads(body)).status_code == 403
    forged = sign("wrong", body, int(time.time()))
    stale = sign("s3cret", body, int(time.time()) - 3600)
    good = sign("s3cret", body, int(time.time()))
    for header, expected in ((forged, 403), (stale, 403), (good, 200)):
        response = client.post(
            hook(project), body, content_type="application/json", HTTP_X_PBX_SIGNATURE=header
        )
        assert response.status_code == expected
    apply_queued()
    assert CallEvent.objects.count() == 1


def test_an_unknown_shape_is_kept_and_answered_200(client, call):
    response = client.post(hook(call.project), b"<xml>what</xml>", content_type="text/xml")
    assert response.status_code == 200
    apply_queued()
    assert CallEvent.objects.get().kind == "unknown"


def test_telphin_events_arrive_form_encoded_in_a_get_query(client):
    project = make_project(make_account("telphin", client_id="c", client_secret="s"))
    agent = make_agent(project, extension="101")
    call = Call.objects.create(
        project=project,
        agent=agent,
        direction="outbound",
        remote_number="+79817654321",
        status="agent_ringing",
        vendor_call_id="api-77",
    )
    fields = {
        "EventType": "answer",
        "CallID": "c-1",
        "SubCallID": "s-1",
        "CallAPIID": "api-77",
        "CallerExtension": "101@sip",
        "CalledNumber": "+79817654321",
        "CallFlow": "out",
        "CallStatus": "ANSWER",
        "EventTime": "1796205600000000",
    }
    assert client.get(hook(project) + "?" + urlencode(fields)).status_code == 200
    apply_queued()
    call.refresh_from_db()
    assert call.status == "answered"


def test_an_inbound_call_we_did_not_originate_is_created(client, agent):
    body = {
        "event_id": "in-1",
        "call_id": "pbx-9",
        "event": "dial-in",
        "direction": "inbound",
        "from": "0744 555 666",
        "to": "+40212345678",
        "extension": agent.extension,
    }
    assert post(client, agent.project, body).status_code == 200
    call = Call.objects.get(vendor_call_id="pbx-9")
    assert (call.direction, call.status, call.agent, call.remote_number) == (
        "inbound",
        "ringing",
        agent,
        "+40744555666",
    )


def test_every_request_is_logged_with_secrets_masked(client, call):
    project = call.project
    post(client, project, generic(call, "dial-in", "agent"), HTTP_AUTHORIZATION="Bearer abc123")
    client.post(
        f"/hooks/while1/{project.webhook_token}/?token=zzz",
        b"{bad",
        content_type="application/json",
    )
    apply_queued()
    entries = list(WebhookRequest.objects.order_by("id"))
    assert [(e.verdict, e.events, e.applied) for e in entries] == [
        ("accepted", 1, 1),
        ("accepted", 1, 1),
    ]  # the unreadable body is kept as unknown
    assert entries[0].headers["authorization"] == "***"
    assert "zzz" not in entries[1].query and "abc123" not in str(entries[0].headers)


def test_refused_requests_are_logged_too_and_an_ip_allowlist_applies(client, call):
    project = call.project
    project.settings = {**project.settings, "webhook_allowed_ips": ["10.1.2.0/24"]}
    project.save()
    assert post(client, project, generic(call, "dial-in", "agent")).status_code == 403
    entry = WebhookRequest.objects.get()
    assert entry.verdict == "refused" and "allowlist" in entry.error
    ok = post(client, project, generic(call, "dial-in", "agent"), REMOTE_ADDR="10.1.2.9")
    assert ok.status_code == 200


def test_a_failed_request_can_be_replayed_once_the_cause_is_fixed(client, call):
    from calls.event_applier import replay

    body = generic(call, "dial-in", "agent")
    post(client, call.project, body)
    entry = WebhookRequest.objects.get()
    CallEvent.objects.all().delete()  # as if processing had failed the first time
    Call.objects.filter(pk=call.pk).update(status="originating")
    again = replay(entry)
    assert (again.verdict, again.applied) == ("accepted", 1)
    assert replay(entry).applied == 0  # a second replay applies nothing twice
    call.refresh_from_db()
    assert call.status == "agent_ringing"


def test_a_request_that_cannot_be_applied_is_marked_failed_and_the_batch_goes_on(
    client, call, monkeypatch
):
    from calls.pbx.generic import GenericEvents

    real_parse = GenericEvents.parse_events

    def parse(self, inbound):
        if b"boom" in inbound.body:
            raise ValueError("the PBX sent something we could not read")
        return real_parse(self, inbound)

    monkeypatch.setattr(GenericEvents, "parse_events", parse)
    for body in (
        generic(call, "dial-in", "agent"),
        {"boom": 1},
        generic(call, "answer", "agent", n=2),
    ):
        client.post(hook(call.project), json.dumps(body), content_type="application/json")
    entries = apply_queued()
    assert [e.verdict for e in entries] == ["accepted", "failed", "accepted"]
    assert "could not read" in entries[1].error
    call.refresh_from_db()
    assert call.status == "customer_ringing"  # both good requests applied


def test_an_event_failing_mid_batch_rolls_the_batch_back_and_the_rest_apply_once(
    client, call, monkeypatch
):
    from calls import webhook_service

    real_apply = webhook_service.apply_event

    def apply(*, event, **kwargs):
        if event.dedupe_key.endswith("answer-agent-2"):
            raise ValueError("a bug in applying this event")
        return real_apply(event=event, **kwargs)

    monkeypatch.setattr(webhook_service, "apply_event", apply)
    for body in (
        generic(call, "dial-in", "agent"),
        generic(call, "answer", "agent", n=2),
        generic(call, "dial-out", "customer", n=3),
    ):
        client.post(hook(call.project), json.dumps(body), content_type="application/json")
    entries = apply_queued()
    assert [(e.verdict, e.applied) for e in entries] == [
        ("accepted", 1),
        ("failed", 0),
        ("accepted", 1),
    ]
    assert "a bug in applying" in entries[1].error
    # The first attempt at the batch was rolled back: each good event is stored once.
    assert CallEvent.objects.count() == 2


@contextmanager
def database_held_elsewhere():
    """Another client holds the webhook log, and we give up waiting for it quickly: a
    real lock, as when a migration or a stuck transaction blocks the table."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # the write lock; our BEGIN IMMEDIATE must wait
        options = connection.settings_dict["OPTIONS"]
        connection.close()
        saved, options["timeout"] = options.get("timeout"), 0.3
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
            connection.close()
            options["timeout"] = saved
        return
    import psycopg

    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    other.execute("LOCK TABLE calls_webhookrequest IN ACCESS EXCLUSIVE MODE")
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        yield
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_database_the_applier_cannot_get_leaves_the_requests_queued(client, call):
    from django.db import OperationalError

    from calls import event_applier

    client.post(
        hook(call.project),
        json.dumps(generic(call, "dial-in", "agent")),
        content_type="application/json",
    )
    with database_held_elsewhere(), pytest.raises(OperationalError):
        event_applier.apply_queued()
    assert WebhookRequest.objects.get().verdict == "queued"  # taken again next time
    assert [e.verdict for e in apply_queued()] == ["accepted"]
    call.refresh_from_db()
    assert call.status == "agent_ringing"


def test_admins_see_the_log_and_replay_from_it(client, call):
    from tests.factories import make_user

    post(client, call.project, generic(call, "dial-in", "agent"))
    client.force_login(make_user("admin", is_staff=True))
    page = client.get("/admin/calls/webhookrequest/")
    assert page.status_code == 200 and "Replay" in page.content.decode()


def test_a_new_inbound_call_is_published_to_the_live_pages(
    client, agent, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr("calls.event_service.live.publish", published.append)
    body = {
        "event_id": "in-2",
        "call_id": "pbx-10",
        "event": "dial-in",
        "direction": "inbound",
        "from": "0744 555 666",
        "extension": agent.extension,
    }
    with django_capture_on_commit_callbacks(execute=True):
        post(client, agent.project, body)
    assert [c.vendor_call_id for c in published] == ["pbx-10"]  # the agent's page rings


@pytest.mark.django_db(transaction=True)
def test_the_running_applier_applies_what_arrives_within_moments(client, call):
    import threading

    from calls import event_applier
    from tests.processes import wait_for

    stop = threading.Event()
    loop = threading.Thread(target=event_applier.run, args=(stop,), kwargs={"poll": 0.01})
    loop.start()
    try:
        client.post(
            hook(call.project),
            json.dumps(generic(call, "dial-in", "agent")),
            content_type="application/json",
        )
        wait_for(lambda: Call.objects.get(pk=call.pk).status == "agent_ringing", timeout=5)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive() and WebhookRequest.objects.get().verdict == "accepted"


def _listening_backends() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %%'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="LISTEN/NOTIFY is PostgreSQL's; SQLite polls",
)
def test_the_idle_applier_on_postgresql_wakes_when_a_request_is_stored(client, call, settings):
    """Not by its poll: that comes every minute here. The INSERT's NOTIFY wakes it, and
    after its LISTEN connection is lost it polls until it listens again."""
    import threading

    import psycopg
    from django.db import connection

    from calls import event_applier
    from tests.processes import wait_for

    settings.WEBHOOK_APPLY_FALLBACK_SECONDS = 60
    stop = threading.Event()
    loop = threading.Thread(target=event_applier.run, args=(stop,), kwargs={"poll": 0.01})
    loop.start()
    try:
        wait_for(lambda: len(_listening_backends()) == 1, timeout=5)
        client.post(
            hook(call.project),
            json.dumps(generic(call, "dial-in", "agent")),
            content_type="application/json",
        )
        wait_for(lambda: Call.objects.get(pk=call.pk).status == "agent_ringing", timeout=10)
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", _listening_backends())
        client.post(
            hook(call.project),
            json.dumps(generic(call, "answer", "customer", n=1)),
            content_type="application/json",
        )
        wait_for(lambda: Call.objects.get(pk=call.pk).status == "answered", timeout=10)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()
