"""The event applier: a batch applies what it can, a locked database leaves requests
queued, and a running applier takes what arrives (on PostgreSQL woken by NOTIFY)."""

import json
from contextlib import contextmanager

import pytest
from django.db import connection

from calls.models import Call, CallEvent, WebhookRequest
from tests.events import apply_queued
from tests.generic_events import generic, hook, originating_call
from tests.postgres_admin import terminate

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(agent):
    return originating_call(agent)


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
    from calls.events import applier

    real_apply = applier.apply_event

    def apply(*, event, **kwargs):
        if event.dedupe_key.endswith("answer-agent-2"):
            raise ValueError("a bug in applying this event")
        return real_apply(event=event, **kwargs)

    monkeypatch.setattr(applier, "apply_event", apply)
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

    from calls.events import applier

    client.post(
        hook(call.project),
        json.dumps(generic(call, "dial-in", "agent")),
        content_type="application/json",
    )
    with database_held_elsewhere(), pytest.raises(OperationalError):
        applier.apply_queued()
    assert WebhookRequest.objects.get().verdict == "queued"  # taken again next time
    assert [e.verdict for e in apply_queued()] == ["accepted"]
    call.refresh_from_db()
    assert call.status == "agent_ringing"


@pytest.mark.django_db(transaction=True)
def test_the_running_applier_applies_what_arrives_within_moments(client, call):
    import threading

    from calls.events import applier
    from tests.processes import wait_for

    stop = threading.Event()
    loop = threading.Thread(target=applier.run, args=(stop,), kwargs={"poll": 0.01})
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

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's; SQLite polls"
)
def test_the_idle_applier_on_postgresql_wakes_when_a_request_is_stored(client, call, settings):
    """Not by its poll: that comes every minute here. The INSERT's NOTIFY wakes it, and
    after its LISTEN connection is lost it polls until it listens again."""
    import threading

    from calls.events import applier
    from tests.processes import wait_for

    settings.WEBHOOK_APPLY_FALLBACK_SECONDS = 60
    stop = threading.Event()
    loop = threading.Thread(target=applier.run, args=(stop,), kwargs={"poll": 0.01})
    loop.start()
    try:
        wait_for(lambda: len(_listening_backends()) == 1, timeout=5)
        client.post(
            hook(call.project),
            json.dumps(generic(call, "dial-in", "agent")),
            content_type="application/json",
        )
        wait_for(lambda: Call.objects.get(pk=call.pk).status == "agent_ringing", timeout=10)
        terminate(*_listening_backends())
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
