"""A failure sentence the PBX's event brings in our words (While1's busy, no answer, a
queue's fail_reason) is written in the language the agent placed the call in."""

from __future__ import annotations

import pytest
from django.utils import translation

from calls.events.call_moves import apply_event
from calls.models import Call
from calls.outbound.start import start_call
from calls.pbx.base import Direction, EventKind, HangupOutcome, NormalizedEvent
from calls.pbx.telphin import events as telphin_events
from tests.events import apply_queued
from tests.factories import make_agent, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


def placed_in(language: str, number: str) -> Call:
    agent = make_agent(make_project(project_id=1), extension="test-user")
    with translation.override(language):
        call = start_call(agent=agent, number=number).call
    Call.objects.filter(pk=call.pk).update(status="customer_ringing")
    return call


def while1_sends(client, call: Call, query: str) -> None:
    response = client.get(f"/hooks/while1/{call.agent.project.webhook_token}/?{query}")
    assert response.status_code == 200
    apply_queued()
    call.refresh_from_db()


END = "event=outgoing_end&direction=OUT&project_id=1&agent=test-user&uniqueid=1.1&billsec=0&"


@pytest.mark.parametrize(
    ("language", "disposition", "sentence"),
    [
        ("ro", "BUSY", "Linia clientului era ocupată."),
        ("nl", "NOANSWER", "De klant nam niet op."),
        ("ru", "BUSY", "Линия клиента была занята."),
        ("en", "BUSY", "The customer's line was busy."),
    ],
)
def test_while1s_busy_and_no_answer_read_in_the_agents_language(
    client, originate_queue, language, disposition, sentence
):
    call = placed_in(language, "+40722000486")
    while1_sends(client, call, END + f"telephone=0722000486&disposition={disposition}")
    assert call.failure_reason == sentence


def test_the_pbxs_own_words_stay_as_the_pbx_wrote_them(client, originate_queue):
    call = placed_in("ro", "+40722000486")
    query = END + "telephone=0722000486&disposition=BUSY&hangup_cause=User+busy+(17)"
    while1_sends(client, call, query)
    assert call.failure_reason == "User busy (17)"


def test_telphins_reason_reads_in_the_agents_language(originate_queue):
    call = placed_in("ru", "+40722000486")
    busy = NormalizedEvent(
        kind=EventKind.HANGUP,
        dedupe_key="telphin:busy:1",
        external_id=str(call.external_id),
        direction=Direction.OUTBOUND,
        outcome=HangupOutcome.BUSY,
        reason=telphin_events.REASONS["BUSY"],
        leg="customer",
    )
    apply_event(project=call.project, vendor="telphin", event=busy)
    call.refresh_from_db()
    assert (call.status, call.failure_reason) == ("busy", "занято")
