"""The live board: each agent's state, callers waiting, today's counts, and its stream."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient
from django.urls import reverse
from django.utils import timezone

from calls.board.selectors import board, project_stamp
from calls.models import Call
from tests.factories import make_agent, make_project, make_user
from tests.streams import read_until

pytestmark = pytest.mark.django_db


def call(agent, status, *, project=None, direction="outbound", ago=60, **times) -> Call:
    now = timezone.now()
    made = Call.objects.create(
        project=project or agent.project,
        agent=agent,
        direction=direction,
        remote_number="+40722123456",
        status=status,
    )
    fields = {"requested_at": now - timedelta(seconds=ago)}
    fields.update({name: now - timedelta(seconds=s) for name, s in times.items()})
    Call.objects.filter(pk=made.pk).update(**fields)
    made.refresh_from_db()
    return made


def states(project) -> dict[int, str]:
    return {row.agent.pk: row.state for row in board(project).agents}


def test_an_agent_without_calls_is_ready(project, agent):
    assert states(project) == {agent.pk: "ready"}


@pytest.mark.parametrize(
    "status", ["queued", "originating", "agent_ringing", "customer_ringing", "ringing"]
)
def test_an_agent_whose_call_rings_is_ringing(project, agent, status):
    call(agent, status)
    assert states(project) == {agent.pk: "ringing"}


def test_an_agent_on_an_answered_call_is_talking_since_the_answer(project, agent):
    talking = call(agent, "answered", answered_at=42)
    row = board(project).agents[0]
    assert (row.state, row.call, row.since) == ("talking", talking, talking.answered_at)


def test_talking_wins_over_a_second_call_that_rings(project, agent):
    call(agent, "answered", ago=90, answered_at=80)
    call(agent, "ringing", direction="inbound", ago=5)
    assert states(project) == {agent.pk: "talking"}


def test_a_call_that_ended_means_wrap_up_until_it_is_saved_then_ready(project, agent):
    other = make_agent(project)
    ended = call(agent, "completed", ago=3600, answered_at=3500, ended_at=3000)
    call(other, "completed", ago=120, answered_at=100, ended_at=40, wrapped_up_at=30)
    rows = {row.agent.pk: row for row in board(project).agents}
    assert rows[agent.pk].state == "wrap_up" and rows[other.pk].state == "ready"
    assert rows[agent.pk].since == ended.ended_at  # time in wrap-up counts from the end


def test_ringing_inbound_callers_are_waiting(project, agent):
    nobody = call(None, "ringing", project=project, direction="inbound", ago=20)
    at_agent = call(agent, "ringing", direction="inbound", ago=5)
    call(agent, "answered", direction="inbound", ago=300, answered_at=290)  # not waiting
    assert board(project).waiting == [nobody, at_agent]


def test_todays_answered_and_missed_counts(project, agent):
    call(agent, "completed", answered_at=50, ended_at=40)
    call(agent, "answered", answered_at=20)
    call(None, "missed", project=project, direction="inbound", ended_at=30)
    call(None, "missed", project=project, direction="inbound", ago=3 * 86400)  # another day
    call(agent, "no_answer", ended_at=300, ago=400)
    shown = board(project)
    assert (shown.answered_today, shown.missed_today) == (2, 1)


def test_another_projects_agents_and_calls_stay_off_the_board(project, agent):
    elsewhere = make_agent(make_project())
    call(elsewhere, "answered", answered_at=5)
    call(None, "ringing", project=elsewhere.project, direction="inbound")
    shown = board(project)
    assert [row.agent for row in shown.agents] == [agent] and shown.waiting == []


def test_the_stamp_moves_when_a_call_changes(project, agent):
    before = project_stamp(project.pk)
    made = call(agent, "ringing", direction="inbound", ago=1)
    assert project_stamp(project.pk) != before
    before = project_stamp(project.pk)
    Call.objects.filter(pk=made.pk).update(status="answered", updated_at=timezone.now())
    assert project_stamp(project.pk) != before


def test_the_page_shows_each_agents_state(client, project, agent):
    call(agent, "answered", answered_at=5)
    client.force_login(make_user("supervisor"))
    page = client.get(reverse("board"))
    assert page.status_code == 200
    assert f'data-agent="{agent.pk}" data-state="talking"' in page.text
    assert f'sse-connect="{reverse("board-live")}?project={project.pk}"' in page.text


def test_agents_may_not_watch_the_board(client, agent):
    client.force_login(agent.user)
    assert client.get(reverse("board")).status_code == 403
    assert client.get(reverse("board-live")).status_code == 403


def test_the_board_lets_a_supervisor_choose_the_project(client, project, agent):
    other = make_project()
    someone = make_agent(other)
    client.force_login(make_user("supervisor"))
    page = client.get(reverse("board"), {"project": other.pk})
    assert f'data-agent="{someone.pk}"' in page.text and f'data-agent="{agent.pk}"' not in page.text


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("polling", [True, False])
def test_the_streams_first_message_is_the_current_board(project, agent, settings, polling):
    if polling:
        settings.REDIS_URL = ""  # the database-polling fallback must work alone
    call(agent, "agent_ringing", ago=3)
    supervisor = make_user("supervisor")
    text = async_to_sync(_first_board_message)(supervisor, project.pk)
    assert text.startswith("retry: 2000")
    assert "event: board" in text
    assert f'data-agent="{agent.pk}" data-state="ringing"' in text


async def _first_board_message(user, project_id: int) -> str:
    client = AsyncClient()
    await sync_to_async(client.force_login)(user)
    response = await client.get(reverse("board-live"), {"project": project_id})
    assert response["Content-Type"] == "text/event-stream"
    return await read_until(response, "</table>")
