"""Issue 17, part 2: the agent's working day as people meet it in the pages — wrap-up
after a call, Ready / Paused, the board, callbacks for later, the statistics."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from calls import roles
from calls.board.selectors import board
from calls.models import (
    AgentStateChange,
    Call,
    Callback,
    CallDirection,
    CallStatus,
    Disposition,
    PauseReason,
)
from calls.stats.period import parse_period
from calls.stats.working_day import agent_times, inbound_numbers, outcomes
from tests.calls.history_factories import make_call
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ended_call(agent, **fields) -> Call:
    now = timezone.now()
    fields = {
        "status": CallStatus.COMPLETED,
        "answered_at": now,
        "ended_at": now,
        "direction": CallDirection.OUTBOUND,
        **fields,
    }
    call = Call.objects.create(
        project=agent.project, agent=agent, remote_number="+40722123456", **fields
    )
    return call


def board_row(agent):
    return next(row for row in board(agent.project).agents if row.agent.pk == agent.pk)


def test_after_a_call_the_card_asks_for_the_outcome_and_the_board_says_wrap_up(agent):
    Disposition.objects.create(project=agent.project, name="Sale")
    ended_call(agent)
    page = logged_in(agent.user).get("/").content.decode()
    assert 'id="wrap-up"' in page and "Sale" in page and "skip-wrap-up" in page
    assert board_row(agent).state == "wrap_up"


def test_saving_the_wrap_up_keeps_the_outcome_and_makes_the_agent_ready(agent):
    sale = Disposition.objects.create(project=agent.project, name="Sale")
    call = ended_call(agent)
    card = logged_in(agent.user).post(
        f"/workday/calls/{call.pk}/wrap-up/", {"disposition": sale.pk, "note": "Wants 3 more"}
    )
    assert card.status_code == 200 and 'id="wrap-up"' not in card.content.decode()
    call.refresh_from_db()
    assert call.disposition == sale and call.note == "Wants 3 more" and call.wrapped_up_at
    assert board_row(agent).state == "ready"


def test_skipping_the_wrap_up_makes_the_agent_ready(agent):
    call = ended_call(agent)
    logged_in(agent.user).post(f"/workday/calls/{call.pk}/wrap-up/", {"skip": "1"})
    assert board_row(agent).state == "ready"


def test_a_project_that_requires_an_outcome_offers_no_skip_and_refuses_an_empty_one(agent):
    agent.project.disposition_required = agent.project.wrapup_note_required = True
    agent.project.save()
    Disposition.objects.create(project=agent.project, name="Sale")
    call = ended_call(agent)
    client = logged_in(agent.user)
    assert "skip-wrap-up" not in client.get("/").content.decode()
    card = client.post(f"/workday/calls/{call.pk}/wrap-up/", {"skip": "1"}).content.decode()
    assert "needs the call&#x27;s outcome" in card and 'id="wrap-up"' in card
    card = client.post(f"/workday/calls/{call.pk}/wrap-up/", {"note": "x"}).content.decode()
    assert "Pick the call&#x27;s outcome" in card
    assert board_row(agent).state == "wrap_up"


def test_a_missed_or_failed_call_asks_for_no_wrap_up(agent):
    ended_call(agent, status=CallStatus.FAILED, answered_at=None)
    assert 'id="wrap-up"' not in logged_in(agent.user).get("/").content.decode()
    assert board_row(agent).state == "ready"


def test_a_wrap_up_can_schedule_a_callback_for_later_assigned_to_the_agent(agent):
    call = ended_call(agent)
    later = timezone.localtime() + timedelta(hours=2)
    client = logged_in(agent.user)
    client.post(
        f"/workday/calls/{call.pk}/wrap-up/",
        {"callback_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    callback = Callback.objects.get()
    assert callback.assigned_to == agent and callback.due_at > timezone.now()
    # not due yet: not in the agent's list nor the badge
    assert client.get("/callbacks/count/").json()["open"] == 0
    Callback.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/callbacks/count/").json()["open"] == 1
    assert "0722 123 456" in client.get("/callbacks/").content.decode()


def test_a_callback_assigned_to_a_colleague_is_not_in_my_list(agent):
    from tests.factories import make_agent

    other = make_agent(agent.project, "109")
    call = ended_call(other)
    Callback.objects.create(
        project=agent.project, number=call.remote_number, missed_call=call, assigned_to=other
    )
    assert logged_in(agent.user).get("/callbacks/count/").json()["open"] == 0


def test_the_agent_pauses_with_a_reason_and_the_board_shows_it(agent):
    lunch = PauseReason.objects.create(project=agent.project, name="Lunch")
    client = logged_in(agent.user)
    page = client.get("/history/").content.decode()
    assert 'name="state"' in page and "Paused: Lunch" in page
    response = client.post(
        "/workday/availability/", {"state": f"paused:{lunch.pk}", "next": "/history/"}
    )
    assert response.status_code == 302 and response["Location"] == "/history/"
    row = board_row(agent)
    assert row.state == "paused" and row.label == "Paused: Lunch" and row.since is not None
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    assert "Paused: Lunch" in supervisor.get("/board/").content.decode()
    client.post("/workday/availability/", {"state": "ready"})
    assert board_row(agent).state == "ready"
    assert list(AgentStateChange.objects.values_list("availability", "reason")) == [
        ("ready", ""),  # the first login
        ("paused", "Lunch"),
        ("ready", ""),
    ]


def test_a_pause_reason_of_another_project_is_refused(agent, project):
    from tests.factories import make_project

    elsewhere = PauseReason.objects.create(project=make_project(), name="Nap")
    logged_in(agent.user).post("/workday/availability/", {"state": f"paused:{elsewhere.pk}"})
    assert board_row(agent).state == "ready"
    assert not AgentStateChange.objects.filter(availability="paused").exists()


def test_an_agent_who_never_chose_is_ready_from_their_first_login(agent):
    """The board shows since when, and the statistics count the time: an agent who never
    touched the menu takes screen-pops, so they are Ready, from the moment they came in."""
    assert board_row(agent).since is None
    logged_in(agent.user)
    row = board_row(agent)
    assert row.state == "ready" and row.since is not None
    logged_in(agent.user)  # another device: the day has started already
    assert list(AgentStateChange.objects.values_list("availability", flat=True)) == ["ready"]
    later = timezone.now() + timedelta(minutes=5)
    times = agent_times(parse_period({"period": "7d"}, now=later), None, later)
    assert times[0].ready >= 5 * 60 - 1 and times[0].paused == 0


def test_an_offsite_next_is_not_followed(agent):
    response = logged_in(agent.user).post(
        "/workday/availability/", {"state": "ready", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_paused_agent_gets_no_screen_pop(agent):
    from calls.dialer.card import call_card_context

    ringing = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction=CallDirection.INBOUND,
        remote_number="+40722000111",
        status=CallStatus.RINGING,
    )
    assert call_card_context(agent, ringing)["pop"] is True
    logged_in(agent.user).post("/workday/availability/", {"state": "paused"})
    agent.refresh_from_db()
    assert call_card_context(agent, ringing)["pop"] is False
    assert board_row(agent).state == "ringing"  # a call still wins on the board


def test_statistics_show_service_level_abandon_rate_and_outcomes(agent):
    agent.project.service_level_seconds = 20
    agent.project.save()
    sale = Disposition.objects.create(project=agent.project, name="Sale")
    now = timezone.now()
    for wait, status in ((5, CallStatus.COMPLETED), (40, CallStatus.COMPLETED), (0, "missed")):
        call = make_call(agent, at=now, direction=CallDirection.INBOUND, status=status)
        if status == CallStatus.COMPLETED:
            Call.objects.filter(pk=call.pk).update(
                answered_at=call.requested_at + timedelta(seconds=wait), disposition=sale
            )
    calls = Call.objects.all()
    inbound, targets = inbound_numbers(calls)
    assert (inbound.offered, inbound.within_target, inbound.missed) == (3, 1, 1)
    assert round(inbound.service_level, 1) == 33.3 and targets == [20]
    assert outcomes(calls) == [("Sale", 2), ("No outcome", 1)]
    page = logged_in(make_user(roles.SUPERVISOR)).get("/stats/?period=today").content.decode()
    assert "Service level (20 s)" in page and "33.3 %" in page and "Abandon rate" in page


def test_time_ready_and_paused_per_agent_in_m_ss_and_whole_seconds_in_csv(agent):
    period = parse_period({"period": "today"})
    start = period.start
    AgentStateChange.objects.create(
        agent=agent, availability="ready", at=start - timedelta(hours=1)
    )
    AgentStateChange.objects.create(
        agent=agent, availability="paused", reason="Lunch", at=start + timedelta(minutes=10)
    )
    AgentStateChange.objects.create(
        agent=agent, availability="ready", at=start + timedelta(minutes=40, seconds=5)
    )
    times = agent_times(period, None, start + timedelta(hours=1))
    assert [(t.ready, t.paused) for t in times] == [(10 * 60 + 19 * 60 + 55, 30 * 60 + 5)]
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    csv = supervisor.get("/stats/export.csv?period=today&kind=agent_time").content.decode()
    assert "Time paused (s)" in csv.splitlines()[0]
    assert "Lunch: 1805" in csv
    page = supervisor.get("/stats/?period=today").content.decode()
    assert "30:05" in page


def test_a_crm_sets_the_agents_availability_with_the_agents_token(agent):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    lunch = PauseReason.objects.create(project=agent.project, name="Lunch")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent.user).key}")
    now = api.get("/api/v1/me/availability/").json()
    assert now["availability"] == "ready" and now["pause_reasons"] == [
        {"id": lunch.pk, "name": "Lunch"}
    ]
    paused = api.put(
        "/api/v1/me/availability/",
        {"availability": "paused", "pause_reason": lunch.pk},
        format="json",
    )
    assert paused.status_code == 200 and paused.json()["pause_reason"] == lunch.pk
    assert board_row(agent).label == "Paused: Lunch"
    wrong = api.put("/api/v1/me/availability/", {"availability": "away"}, format="json")
    assert wrong.status_code == 400 and "availability" in wrong.json()["errors"]
    supervisor = APIClient()
    supervisor.force_authenticate(make_user(roles.SUPERVISOR))
    assert supervisor.get("/api/v1/me/availability/").status_code == 404


def test_a_call_still_going_on_cannot_be_wrapped_up(agent):
    live = ended_call(agent, status=CallStatus.ANSWERED, ended_at=None)
    card = logged_in(agent.user).post(f"/workday/calls/{live.pk}/wrap-up/", {"skip": "1"})
    assert "still going on" in card.content.decode()
    live.refresh_from_db()
    assert live.wrapped_up_at is None


@pytest.mark.parametrize(
    ("language", "ready", "wrap_up_button"),
    [
        ("ro", "Disponibil", "Omite"),
        ("nl", "Beschikbaar", "Overslaan"),
        ("ru", "Готов", "Пропустить"),
    ],
)
def test_the_working_day_speaks_the_agents_language(agent, language, ready, wrap_up_button):
    from calls.models import UserPreference

    UserPreference.objects.create(user=agent.user, language=language)
    ended_call(agent)
    page = logged_in(agent.user).get("/").content.decode()
    assert f">{ready}</option>" in page and wrap_up_button in page


def test_the_call_detail_plays_the_recording_and_offers_a_redial(agent):
    call = ended_call(agent, recording_url="https://pbx.example/rec/1.mp3?key=secret")
    page = logged_in(agent.user).get(f"/history/{call.pk}/").content.decode()
    assert f'<audio controls preload="none" src="/history/{call.pk}/recording/"' in page
    assert "pbx.example" not in page and "secret" not in page
    assert 'href="/?tel=%2B40722123456"' in page  # "Call again" fills the dialer
    listing = logged_in(agent.user).get("/history/").content.decode()
    assert 'class="button redial" href="/?tel=%2B40722123456"' in listing
    recent = logged_in(agent.user).get("/").content.decode()
    assert 'class="redial"' in recent and '"number": "+40722123456"' in recent


def test_only_the_latest_call_holds_the_agent_in_wrap_up(agent):
    older = ended_call(agent)
    newer = ended_call(agent)
    Call.objects.filter(pk=older.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    assert board_row(agent).call == newer
    logged_in(agent.user).post(f"/workday/calls/{newer.pk}/wrap-up/", {"skip": "1"})
    assert board_row(agent).state == "ready"  # the older one was left behind, not asked again


def missed_callback(agent) -> Callback:
    missed = ended_call(agent, direction=CallDirection.INBOUND, status=CallStatus.MISSED)
    return Callback.objects.create(
        project=agent.project, number=missed.remote_number, missed_call=missed
    )


def test_a_supervisor_schedules_a_missed_call_for_later_and_gives_it_to_an_agent(agent):
    from calls.models import AuditEntry
    from tests.factories import make_agent

    colleague = make_agent(agent.project, "109")
    callback = missed_callback(agent)
    later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    page = supervisor.get("/callbacks/").content.decode()
    assert "Later…" in page and f'name="assigned_to" id="who-{callback.pk}"' in page
    rows = supervisor.post(
        f"/callbacks/{callback.pk}/schedule/", {"due_at": later, "assigned_to": colleague.pk}
    ).content.decode()
    callback.refresh_from_db()
    assert callback.assigned_to == colleague and callback.due_at > timezone.now()
    assert "due " in rows and AuditEntry.objects.filter(action="callback.scheduled").exists()
    # neither agent is asked before it is due; then only the colleague
    assert logged_in(agent.user).get("/callbacks/count/").json()["open"] == 0
    Callback.objects.update(due_at=timezone.now())
    assert logged_in(colleague.user).get("/callbacks/count/").json()["open"] == 1
    assert logged_in(agent.user).get("/callbacks/count/").json()["open"] == 0


def test_an_agent_takes_a_callback_for_later_and_a_past_time_is_refused(agent):
    callback = missed_callback(agent)
    client = logged_in(agent.user)
    earlier = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    rows = client.post(f"/callbacks/{callback.pk}/schedule/", {"due_at": earlier}).content.decode()
    assert "in the future" in rows
    later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    client.post(f"/callbacks/{callback.pk}/schedule/", {"due_at": later, "assigned_to": "999"})
    callback.refresh_from_db()
    assert callback.assigned_to == agent  # an agent schedules for themselves only


def test_statistics_show_each_agents_average_wrap_up(agent):
    now = timezone.now()
    for seconds in (20, 40):
        call = make_call(agent, at=now - timedelta(minutes=5))
        Call.objects.filter(pk=call.pk).update(
            ended_at=now - timedelta(minutes=3),
            wrapped_up_at=now - timedelta(minutes=3) + timedelta(seconds=seconds),
        )
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    csv = supervisor.get("/stats/export.csv?period=today&kind=agent_time").content.decode()
    assert csv.splitlines()[0].endswith("Average wrap-up (s)")
    assert csv.splitlines()[1].endswith(",30")
    assert "0:30" in supervisor.get("/stats/?period=today").content.decode()


@pytest.mark.parametrize("junk", ["9" * 30, "²", "-1", ""])
def test_odd_ids_in_the_working_day_forms_are_ignored_not_a_500(agent, junk):
    call = ended_call(agent)
    client = logged_in(agent.user)
    assert client.post("/workday/availability/", {"state": f"paused:{junk}"}).status_code == 302
    card = client.post(f"/workday/calls/{call.pk}/wrap-up/", {"disposition": junk, "skip": "1"})
    assert card.status_code == 200
    supervisor = logged_in(make_user(roles.SUPERVISOR))
    callback = missed_callback(agent)
    later = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    rows = supervisor.post(
        f"/callbacks/{callback.pk}/schedule/", {"due_at": later, "assigned_to": junk}
    )
    assert rows.status_code == 200
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(agent.user)
    reply = api.put(
        "/api/v1/me/availability/",
        {"availability": "paused", "pause_reason": 10**30},
        format="json",
    )
    assert reply.status_code == 400
