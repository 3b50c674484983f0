"""Telphin calls followed to the end: the product against the sandbox PBX, over real sockets.

The agents are imported and subscribed with the admin's own tools; the sandbox posts its
events to the real webhook view (live_server); the applier runs in the test's thread.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests

from calls.models import Agent, Call, Callback, CallEvent, PbxAccount, Project, Vendor
from calls.outbound.hangup import hangup
from calls.outbound.originate import originate
from calls.outbound.start import start_call
from calls.vendor_tools.agents import import_agents, register_webhooks
from tests.events import apply_queued
from tests.processes import wait_for
from tests.sandbox.harness import SandboxProcess

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMER = "+40722000111"
BUSY = "+40722000486"  # sandbox magic: busy
NO_ANSWER = "+40722000408"  # sandbox magic: never answers
TIMINGS = {"agent_answer_delay": 0.05, "customer_answer_delay": 0.6, "talk_time": 1.5}
ORDER = ["agent_ringing", "customer_ringing", "answered", "completed"]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telphin"


@pytest.fixture
def telphin_agent(live_sandbox, live_server, settings, originate_queue):
    """``telphin_agent(**timings)``: agent 000*099 of a new project, imported and subscribed
    with the admin's tools, its events going to the real webhook view."""
    settings.PUBLIC_BASE_URL = live_server.url

    def make(**timings: float) -> Agent:
        project = telphin_project(live_sandbox, **timings)
        assert import_agents(project).ok
        subscribed = register_webhooks(project)
        assert subscribed.ok and subscribed.counts["created"] == 8, subscribed.message
        return project.agents.get(extension="000*099")

    return make


@pytest.fixture
def agent(telphin_agent) -> Agent:
    return telphin_agent()


def telphin_project(sandbox: SandboxProcess, **timings: float) -> Project:
    account = sandbox.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox.unique("app"),
            "client_secret": "cs-secret-1",
            "extensions": [{"id": 175, "name": "000*099"}, {"id": 176, "name": "000*100"}],
            **TIMINGS,
            **timings,
        }
    )
    pbx = PbxAccount(name=account["name"], vendor=Vendor.TELPHIN, base_url=sandbox.url + "/telphin")
    pbx.set_credentials({"client_id": account["client_id"], "client_secret": "cs-secret-1"})
    pbx.save()
    return Project.objects.create(name=account["name"], pbx_account=pbx, settings={})


def click(agent: Agent, number: str = CUSTOMER) -> Call:
    started = start_call(agent=agent, number=number)
    assert started.created
    originate(started.call.pk)  # what the Celery task runs
    return Call.objects.get(pk=started.call.pk)


def follow(call: Call, until: str | tuple[str, ...], timeout: float = 10.0) -> list[str]:
    """Apply what the PBX sent until the call reaches ``until``; the statuses it went through."""
    wanted = (until,) if isinstance(until, str) else until
    seen: list[str] = []

    def reached() -> bool:
        apply_queued()
        status = Call.objects.get(pk=call.pk).status
        if not seen or seen[-1] != status:
            seen.append(status)
        return status in wanted

    wait_for(reached, timeout=timeout, interval=0.02)
    return seen


def pbx_talk_seconds(call: Call) -> int:
    hangup = CallEvent.objects.get(call=call, kind="hangup")
    return round(int(hangup.payload["Duration"]) / 1_000_000)


def test_click_rings_talks_and_ends_with_the_pbx_duration_then_the_next_click_works(agent):
    call = click(agent)
    assert call.status == "agent_ringing" and len(call.vendor_call_id) == 32
    seen = follow(call, "completed")
    assert "answered" in seen and seen == sorted(seen, key=ORDER.index)  # never backwards
    call.refresh_from_db()
    assert call.duration == pbx_talk_seconds(call) >= 1
    kinds = CallEvent.objects.filter(call=call).order_by("occurred_at").values_list("kind")
    assert [k for (k,) in kinds] == ["dial_out", "answer", "hangup"]

    again = click(agent)  # not refused as "already on a call"
    assert again.status == "agent_ringing" and again.vendor_call_id != call.vendor_call_id
    follow(again, "completed")


def test_busy_customer(agent):
    call = click(agent, BUSY)
    follow(call, "busy")
    call.refresh_from_db()
    assert call.duration in (None, 0)


def test_customer_who_never_answers(live_sandbox, agent):
    call = click(agent, NO_ANSWER)
    follow(call, "no_answer")


def test_hang_up_ends_a_live_call_at_the_pbx_once(live_sandbox, telphin_agent):
    agent = telphin_agent(talk_time=30)
    call = click(agent)
    follow(call, "answered")
    since = max((r["seq"] for r in live_sandbox.requests()), default=0)
    ended = hangup(call=Call.objects.get(pk=call.pk), by=agent.user)
    assert ended.status in ("completed", "canceled")
    deletes = [r for r in live_sandbox.requests(since) if r["method"] == "DELETE"]
    assert len(deletes) == 1 and "/extension/175/current_calls/" in deletes[0]["path"]
    [at_pbx] = live_sandbox.calls(account=agent.project.pbx_account.name)
    assert live_sandbox.wait_call(at_pbx["id"])["outcome"] == "completed"  # over, not talking
    follow(call, ("completed", "canceled"))  # the PBX's own hangup, applied after ours


def test_an_inbound_call_nobody_takes_opens_a_callback(live_sandbox, agent):
    reply = live_sandbox.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": agent.project.pbx_account.name,
            "from": "+40722000999",
            "to": "+40312000000",
            "extension": "000*099",
            "answer": False,
        },
    )
    live_sandbox.wait_call(reply.json()["call_id"])
    missed = wait_for(lambda: apply_queued() and Call.objects.filter(direction="inbound").first())
    assert follow(missed, ("missed", "no_answer"))[-1] == "missed"
    callback = Callback.objects.get(missed_call=missed)
    assert callback.number == "+40722000999" and callback.closed_at is None


def test_an_event_of_a_call_we_did_not_place_is_kept_in_the_webhook_log(agent):
    body = (FIXTURES / "desk_phone_dial_out.txt").read_text().strip()
    reply = requests.post(
        agent.project.event_webhook_url,
        data=dict(parse_qsl(body, keep_blank_values=True)),
        timeout=5,
    )
    assert reply.status_code == 200
    [logged] = apply_queued()
    assert logged.verdict in ("accepted", "applied") and logged.events == 1
    assert CallEvent.objects.get(project=agent.project).call is None
