"""Where people end a call in pbxportal: the agent's card ("I've hung up"), the live
board ("End call"), Django admin (an action on calls) and the REST API; who may; and
how history, the call detail and the CSV say who ended it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls.dialer import card as dialer
from calls.maintenance.housekeeping import close_stuck_calls
from calls.models import Call, CallDirection, CallStatus, EndedBy, Vendor
from tests.factories import make_account, make_agent, make_project, make_user

pytestmark = pytest.mark.django_db

TALKING = {"status": CallStatus.ANSWERED, "vendor_call_id": "v-1"}


def live_call(agent, **fields) -> Call:
    fields = {**TALKING, "answered_at": timezone.now() - timedelta(seconds=30), **fields}
    return Call.objects.create(
        project=agent.project,
        agent=agent,
        direction=CallDirection.OUTBOUND,
        remote_number="+40722123456",
        **fields,
    )


@pytest.fixture
def telphin_agent():
    """An agent whose PBX can hang up (Telphin)."""
    return make_agent(make_project(make_account(Vendor.TELPHIN)))


# The agent's call card


def test_a_while1_call_card_offers_ive_hung_up_and_it_frees_the_agent(client, agent):
    call = live_call(agent)
    client.force_login(agent.user)
    page = client.get("/").content.decode()
    assert "I've hung up" in page and f"/calls/{call.pk}/end/" in page
    card = client.post(f"/calls/{call.pk}/end/").content.decode()
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("completed", "agent")
    assert "Ended in pbxportal by the agent" in card and "I've hung up" not in card


def test_ive_hung_up_twice_says_the_call_had_already_ended(client, agent):
    call = live_call(agent)
    client.force_login(agent.user)
    client.post(f"/calls/{call.pk}/end/")
    again = client.post(f"/calls/{call.pk}/end/")
    assert again.status_code == 200 and "already ended" in again.content.decode()


def test_an_agent_cannot_end_another_agents_call(client, agent, project):
    call = live_call(agent)
    client.force_login(make_agent(project).user)
    assert client.post(f"/calls/{call.pk}/end/").status_code == 404
    assert Call.objects.get(pk=call.pk).status == "answered"


def test_a_pbx_that_can_hang_up_gets_hang_up_not_ive_hung_up(telphin_agent):
    card = dialer.call_card_context(telphin_agent, live_call(telphin_agent))
    assert card["can_hangup"] and not card["end_here_now"] and card["end_here_at"] is None


def test_ive_hung_up_is_offered_after_a_hang_up_that_failed(telphin_agent):
    card = dialer.call_card_context(telphin_agent, live_call(telphin_agent), hangup_failed=True)
    assert card["end_here_now"]


def test_ive_hung_up_is_offered_when_the_pbx_is_silent(telphin_agent):
    project = telphin_agent.project
    project.events_silent_since = timezone.now() - timedelta(minutes=10)
    project.save()
    assert dialer.call_card_context(telphin_agent, live_call(telphin_agent))["end_here_now"]


def test_a_call_ringing_without_news_shows_ive_hung_up_by_itself_after_a_minute(telphin_agent):
    call = live_call(telphin_agent, status=CallStatus.CUSTOMER_RINGING, answered_at=None)
    card = dialer.call_card_context(telphin_agent, call)
    assert not card["end_here_now"]
    assert card["end_here_at"] == int((call.updated_at + dialer.QUIET_RINGING).timestamp())
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now() - timedelta(minutes=2))
    assert dialer.call_card_context(telphin_agent, Call.objects.get(pk=call.pk))["end_here_now"]


def test_a_queued_call_is_canceled_by_cancel_call_not_ive_hung_up(agent):
    call = live_call(agent, status=CallStatus.QUEUED, answered_at=None, vendor_call_id="")
    card = dialer.call_card_context(agent, call)
    assert card["can_hangup"] and not card["end_here_now"]


# The live board


def test_a_supervisor_ends_an_agents_call_from_the_board(client, agent):
    call = live_call(agent)
    client.force_login(make_user("supervisor"))
    board = client.get("/board/").content.decode()
    assert f"/board/calls/{call.pk}/end/" in board and "hx-confirm" in board
    fragment = client.post(f"/board/calls/{call.pk}/end/")
    assert fragment.status_code == 200
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("completed", "supervisor")
    assert f"/board/calls/{call.pk}/end/" not in fragment.content.decode()


def test_agents_cannot_end_calls_from_the_board(client, agent):
    call = live_call(agent)
    client.force_login(agent.user)
    assert client.post(f"/board/calls/{call.pk}/end/").status_code == 403


# Django admin


def test_an_admin_ends_calls_with_an_admin_action(client, agent):
    call = live_call(agent)
    ended = live_call(make_agent(agent.project), status=CallStatus.BUSY, answered_at=None)
    client.force_login(make_user("admin", is_staff=True))
    response = client.post(
        "/admin/calls/call/",
        {"action": "end_call_here", "_selected_action": [call.pk, ended.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 call ended in pbxportal" in text and "1 call had already ended" in text
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("completed", "admin")


def test_supervisors_do_not_get_the_admin_action(client, agent):
    supervisor = make_user("supervisor", is_staff=True)
    client.force_login(supervisor)
    assert b"end_call_here" not in client.get("/admin/calls/call/").content


# The REST API


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_an_agent_ends_their_own_call_through_the_api(agent):
    call = live_call(agent)
    response = api_for(agent.user).post(f"/api/v1/calls/{call.pk}/end/")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["ended_by"]) == ("completed", "agent")
    again = api_for(agent.user).post(f"/api/v1/calls/{call.pk}/end/")
    assert again.status_code == 200 and again.json()["ended_by"] == "agent"


def test_the_api_lets_supervisors_and_admins_end_any_call_and_agents_only_theirs(agent, project):
    first, second = live_call(agent), live_call(make_agent(project))
    assert (
        api_for(make_agent(project).user).post(f"/api/v1/calls/{first.pk}/end/").status_code == 404
    )
    supervisor = api_for(make_user("supervisor")).post(f"/api/v1/calls/{first.pk}/end/")
    assert supervisor.json()["ended_by"] == "supervisor"
    admin = api_for(make_user("admin")).post(f"/api/v1/calls/{second.pk}/end/")
    assert admin.json()["ended_by"] == "admin"
    assert APIClient().post(f"/api/v1/calls/{second.pk}/end/").status_code in (401, 403)


def test_the_openapi_schema_describes_ending_a_call(client):
    schema = client.get("/api/schema/").content
    assert b"/api/v1/calls/{id}/end/" in schema and b"End a call in pbxportal" in schema


# Housekeeping, history, call detail, CSV


def test_housekeeping_closes_forgotten_calls_as_ended_by_pbxportal(agent):
    call = live_call(agent, answered_at=timezone.now() - timedelta(hours=5))
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now() - timedelta(hours=5))
    assert close_stuck_calls().answered == 1
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("completed", EndedBy.SYSTEM)


def test_history_and_call_detail_say_who_ended_the_call(client, agent):
    call = live_call(agent)
    client.force_login(agent.user)
    client.post(f"/calls/{call.pk}/end/")
    assert "Ended in pbxportal by the agent" in client.get("/history/").content.decode()
    detail = client.get(f"/history/{call.pk}/").content.decode()
    assert "Ended in pbxportal by the agent" in detail


def test_the_csv_export_says_who_ended_each_call(client, agent):
    import csv
    import io

    ended_here, by_pbx = live_call(agent), live_call(make_agent(agent.project))
    client.force_login(agent.user)
    client.post(f"/calls/{ended_here.pk}/end/")
    Call.objects.filter(pk=by_pbx.pk).update(status="completed", ended_at=timezone.now())
    client.force_login(make_user("supervisor"))
    response = client.get("/history/export.csv")
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert {row["Call id"]: row["Ended by"] for row in rows} == {
        str(ended_here.pk): "agent",
        str(by_pbx.pk): "",
    }


@pytest.mark.parametrize(
    ("language", "words"),
    [("ro", "Am închis"), ("nl", "Ik heb opgehangen"), ("ru", "Я положил(а) трубку")],  # noqa: RUF001,
)
def test_ive_hung_up_speaks_the_agents_language(client, agent, language, words):
    live_call(agent)
    client.force_login(agent.user)
    page = client.get("/", headers={"accept-language": language}).content.decode()
    assert words in page
