"""The agent page's live stream: the current state at once, then every change."""

import json

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from calls import live
from calls.dialer.stream import AgentFragments
from calls.models import Call
from tests.live_redis import use_redis
from tests.streams import read_until

pytestmark = pytest.mark.django_db(transaction=True)


async def open_stream(user):
    client = AsyncClient()
    await sync_to_async(client.force_login)(user)
    return await client.get("/live/agent/")


async def outbound_call(agent, status: str) -> Call:
    return await Call.objects.acreate(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status=status,
    )


def test_a_stream_needs_a_logged_in_agent(client):
    assert client.get("/live/agent/").status_code == 403


def test_a_page_that_connects_gets_the_current_call_at_once(agent, settings):
    settings.REDIS_URL = ""
    async_to_sync(_connects_and_gets_current_call)(agent)


async def _connects_and_gets_current_call(agent):
    await outbound_call(agent, "customer_ringing")
    response = await open_stream(await sync_to_async(lambda: agent.user)())
    assert response["Content-Type"] == "text/event-stream"
    text = await read_until(response, "event: recent")
    assert "event: call" in text and "ringing" in text


def test_every_open_tab_sees_a_change(agent, settings):
    settings.REDIS_URL = ""  # database polling: the fallback must work on its own
    async_to_sync(_every_tab_sees_a_change)(agent)


def test_every_open_tab_sees_a_change_through_redis(agent, settings):
    """Redis pub/sub, when REDIS_URL is set (CI's second run, or a local Redis)."""
    use_redis(settings)
    async_to_sync(_every_tab_sees_a_change)(agent, publish=True)


async def _every_tab_sees_a_change(agent, publish=False):
    call = await outbound_call(agent, "agent_ringing")
    user = await sync_to_async(lambda: agent.user)()
    tabs = [await open_stream(user), await open_stream(user)]
    for tab in tabs:
        await read_until(tab, "event: recent")
    call.status = "answered"
    await call.asave(update_fields=["status", "updated_at"])
    if publish:
        await sync_to_async(live.publish)(call)
    for tab in tabs:
        assert "Talking" in await read_until(tab, "Talking")


def test_publish_without_redis_never_raises_and_the_page_still_shows_the_call(
    agent, settings, caplog
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    call = Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722123456"
    )
    with caplog.at_level("WARNING", logger="calls.live"):
        live.publish(call)
    assert "live update for 1 call(s) not published" in caplog.text  # the operator sees why
    # the polling page still shows the call, as it stands
    assert f'data-state="{call.pk}:queued"' in AgentFragments(agent.pk)()


def test_a_batch_of_changes_reaches_redis_once_the_batch_is_over(agent, settings):
    """The event applier publishes its whole batch in one round trip, after its commit."""
    import redis

    use_redis(settings)
    listener = redis.Redis.from_url(settings.REDIS_URL).pubsub()
    listener.subscribe(live.agent_channel(agent.pk))
    listener.get_message(timeout=1)  # the subscribe confirmation
    calls = [  # an inbound call may ring while an outbound one is in progress
        Call.objects.create(
            project=agent.project, agent=agent, direction=direction, remote_number=number
        )
        for direction, number in (("outbound", "+40722123456"), ("inbound", "+40722123457"))
    ]
    with live.batched():
        for call in calls:
            live.publish(call)
        assert listener.get_message(timeout=0.2) is None  # nothing sent yet
    got = [listener.get_message(timeout=1) for _ in calls]
    assert [json.loads(m["data"])["call"] for m in got] == [c.pk for c in calls]
    listener.close()


def test_the_recent_list_is_sent_again_only_when_a_call_ends(agent, settings):
    settings.REDIS_URL = ""
    async_to_sync(_recent_only_when_a_call_ends)(agent)


async def _recent_only_when_a_call_ends(agent):
    from django.utils import timezone

    call = await outbound_call(agent, "customer_ringing")
    tab = await open_stream(await sync_to_async(lambda: agent.user)())
    first = await read_until(tab, "event: recent")
    assert "No calls yet" in first  # the ringing call is on the card, not in the list
    call.status = "answered"
    await call.asave(update_fields=["status", "updated_at"])
    talking = await read_until(tab, "Talking")
    assert "event: recent" not in talking  # nothing in the list changed
    call.status, call.ended_at = "completed", timezone.now()
    await call.asave(update_fields=["status", "ended_at", "updated_at"])
    ended = await read_until(tab, "event: recent")
    assert "status-completed" in ended.split("event: recent", 1)[1]


def test_a_burst_of_changes_through_redis_is_one_update_of_the_page(agent, settings, monkeypatch):
    """An applier batch publishes once per call it moved; the page renders once for all."""
    use_redis(settings)
    # No quiet interval: the stream says it is alive as soon as nothing is waiting for it,
    # so what it sends before that keep-alive is all that the burst made it send.
    monkeypatch.setattr("calls.live.stream.HEARTBEAT", 0)
    async_to_sync(_a_burst_is_one_update)(agent)


async def _a_burst_is_one_update(agent):
    call = await outbound_call(agent, "agent_ringing")
    tab = await open_stream(await sync_to_async(lambda: agent.user)())
    await read_until(tab, "event: recent")
    call.status = "answered"
    await call.asave(update_fields=["status", "updated_at"])
    # One batch is one write to the stream's socket: the twenty arrive together.
    await sync_to_async(_publish_in_one_batch)([call] * 20)
    burst = await read_until(tab, "Talking")
    after = await read_until(tab, ": keep-alive")
    assert burst.count("event: call") == 1 and "event: call" not in after


def _publish_in_one_batch(calls: list[Call]) -> None:
    with live.batched():
        for call in calls:
            live.publish(call)


def test_the_card_names_the_contact_and_offers_hang_up_by_the_calls_own_pbx(agent):
    from calls.models import Vendor
    from tests.factories import make_account, make_contact, make_project

    sandbox = make_project(make_account(Vendor.SANDBOX))  # the one vendor that hangs up
    agent.project = sandbox
    agent.save()
    contact = make_contact(sandbox, "Maria Ionescu")
    call = Call.objects.create(
        project=sandbox,
        agent=agent,
        contact=contact,
        direction="outbound",
        remote_number="+40722123456",
        status="answered",
    )
    card = AgentFragments(agent.pk)()
    assert "Maria Ionescu" in card and "Hang up" in card
    agent.project = make_project()  # moved to a While1 project mid-call: the call's PBX decides
    agent.save()
    assert "Hang up" in AgentFragments(agent.pk)()
    Call.objects.filter(pk=call.pk).update(project=agent.project)
    assert "hang up on your phone" in AgentFragments(agent.pk)()
