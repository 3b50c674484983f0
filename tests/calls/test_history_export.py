"""CSV export of the history: the same filters, streamed, an agent's own calls only."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client

from calls import roles
from calls.models import CallStatus, Disposition
from tests.calls.history_factories import BASE, make_call
from tests.factories import make_agent, make_contact, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    return make_agent()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def exported(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_has_every_column_a_supervisor_needs(agent):
    agent.user.first_name = "Ana"
    agent.user.save()
    contact = make_contact(agent.project, "Ion Client")
    sale = Disposition.objects.create(project=agent.project, name="Sale")
    call = make_call(
        agent,
        at=BASE,
        number="+40722123456",
        contact=contact,
        duration=61,
        disposition=sale,
        note="Wants the blue one",
    )
    response = logged_in(make_user(roles.SUPERVISOR)).get("/history/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="calls-20')
    [row] = exported(response)
    assert row["Call id"] == str(call.pk)
    assert row["Time"] == "2026-03-10T12:00:00+00:00"
    assert row["Agent"] == agent.user.username and row["Agent name"] == "Ana"
    assert row["Number"] == "+40722123456"
    assert row["Contact"] == "Ion Client" and row["Contact id"] == str(contact.pk)
    assert row["Talk time (s)"] == "61"
    assert row["Disposition"] == "Sale" and row["Note"] == "Wants the blue one"
    assert row["Status"] == "completed" and row["Direction"] == "outbound"
    assert row["Project"] == agent.project.name


def test_the_export_honours_the_filters_and_the_order(agent):
    calls = [
        make_call(agent, at=BASE + timedelta(minutes=i), status=CallStatus.BUSY) for i in range(5)
    ]
    make_call(agent, status=CallStatus.COMPLETED)
    client = logged_in(make_user(roles.SUPERVISOR))
    newest = exported(client.get("/history/export.csv", {"status": "busy"}))
    assert [r["Call id"] for r in newest] == [str(c.pk) for c in reversed(calls)]
    oldest = exported(client.get("/history/export.csv", {"status": "busy", "sort": "oldest"}))
    assert [r["Call id"] for r in oldest] == [str(c.pk) for c in calls]


def test_an_agent_exports_only_their_own_calls(agent):
    mine = make_call(agent)
    colleague = make_agent(agent.project)
    make_call(colleague)
    rows = exported(logged_in(agent.user).get("/history/export.csv", {"agent": colleague.pk}))
    assert [r["Call id"] for r in rows] == [str(mine.pk)]


def test_someone_without_calls_exports_only_the_header(agent):
    make_call(agent)
    assert exported(logged_in(make_user()).get("/history/export.csv")) == []


def test_many_rows_arrive_in_several_chunks_in_order(agent):
    calls = [make_call(agent, at=BASE + timedelta(seconds=i % 3)) for i in range(1200)]
    response = logged_in(make_user(roles.SUPERVISOR)).get("/history/export.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) >= 3  # streamed in batches, not built whole
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode())))
    expected = sorted(calls, key=lambda c: (c.requested_at, c.pk), reverse=True)
    assert [r["Call id"] for r in rows] == [str(c.pk) for c in expected]


def test_typed_text_cannot_become_a_spreadsheet_formula(agent):
    make_call(agent, note='=HYPERLINK("http://evil")')
    [row] = exported(logged_in(agent.user).get("/history/export.csv"))
    assert row["Note"].startswith("'=")
    assert row["Number"].startswith("+40")  # numbers keep their plus


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_export_streams_chunk_by_chunk(agent):
    # Django reads a synchronous iterator whole under ASGI; ours is async there.
    for i in range(3):
        make_call(agent, at=BASE + timedelta(minutes=i))
    user = make_user(roles.SUPERVISOR)

    async def fetch():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get("/history/export.csv")
        assert response.is_async
        body = b"".join([chunk async for chunk in response.streaming_content])
        # The rows were read in the thread-sensitive executor; close its connection
        # as Django's request_finished does after a real ASGI response.
        await sync_to_async(connections.close_all, thread_sensitive=True)()
        return body

    text = asyncio.run(fetch()).decode()
    assert len(list(csv.DictReader(io.StringIO(text)))) == 3
