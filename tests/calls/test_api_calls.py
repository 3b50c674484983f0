"""The calls API as a CRM or an agent's own script uses it."""

import pytest
from rest_framework.test import APIClient

from calls.models import Call
from tests.factories import make_agent, make_contact, make_project, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("originate_queue")]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_agent_starts_a_call_and_gets_202_with_the_call(agent, originate_queue):
    contact = make_contact(agent.project, "Ion", "+40722123456")
    response = client_for(agent.user).post(
        "/api/v1/calls/", {"number": "0722 123 456", "contact": contact.pk}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert body["number"] == "+40722123456" and body["status"] == "queued"
    assert body["direction"] == "outbound" and body["contact"] == contact.pk
    assert set(body) >= {
        "id",
        "agent",
        "created_at",
        "answered_at",
        "ended_at",
        "duration",
        "error",
    }
    assert originate_queue == [body["id"]]


def test_the_same_idempotency_key_twice_is_one_call(agent):
    api = client_for(agent.user)
    first = api.post("/api/v1/calls/", {"number": "0722123456"}, HTTP_IDEMPOTENCY_KEY="crm-42")
    second = api.post("/api/v1/calls/", {"number": "0722123456"}, HTTP_IDEMPOTENCY_KEY="crm-42")
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"] and Call.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"number": "12"}, 400, "wrong number of digits for RO"),
        ({}, 400, "number: This field is required."),
        ({"number": "0722123456", "contact": 999999}, 400, "No such contact"),
        ({"number": "x" * 500}, 400, "number"),
        ("not json at all", 400, "JSON parse error"),
    ],
)
def test_bad_input_is_a_4xx_with_a_sentence(agent, body, status, words):
    api = client_for(agent.user)
    if isinstance(body, str):
        response = api.post("/api/v1/calls/", body, content_type="application/json")
    else:
        response = api.post("/api/v1/calls/", body, format="json")
    assert response.status_code == status
    assert words in response.json()["detail"]


def test_a_second_active_call_is_a_409(agent):
    api = client_for(agent.user)
    api.post("/api/v1/calls/", {"number": "0722123456"})
    response = api.post("/api/v1/calls/", {"number": "0744123456"})
    assert response.status_code == 409 and "already on a call" in response.json()["detail"]


def test_agents_see_their_own_calls_and_supervisors_see_all(project):
    ana, ion = make_agent(project), make_agent(project)
    client_for(ana.user).post("/api/v1/calls/", {"number": "0722123456"})
    client_for(ion.user).post("/api/v1/calls/", {"number": "0744123456"})
    mine = client_for(ana.user).get("/api/v1/calls/").json()["results"]
    assert [c["number"] for c in mine] == ["+40722123456"]
    other = Call.objects.get(agent=ion)
    assert client_for(ana.user).get(f"/api/v1/calls/{other.pk}/").status_code == 404
    supervisor = make_user("supervisor")
    everything = client_for(supervisor).get("/api/v1/calls/").json()["results"]
    assert len(everything) == 2
    only_ion = client_for(supervisor).get(f"/api/v1/calls/?agent={ion.pk}").json()["results"]
    assert [c["number"] for c in only_ion] == ["+40744123456"]


def test_list_filters_say_what_is_wrong(agent):
    api = client_for(agent.user)
    assert api.get("/api/v1/calls/?status=flying").status_code == 400
    assert "date" in api.get("/api/v1/calls/?since=yesterday").json()["detail"]
    assert api.get("/api/v1/calls/?until=2026-02-30").status_code == 400
    assert api.get("/api/v1/calls/?since=2020-01-01&status=queued").status_code == 200


def test_a_queued_call_can_be_canceled_and_an_ended_one_says_409(agent):
    api = client_for(agent.user)
    call_id = api.post("/api/v1/calls/", {"number": "0722123456"}).json()["id"]
    canceled = api.post(f"/api/v1/calls/{call_id}/hangup/")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    again = api.post(f"/api/v1/calls/{call_id}/hangup/")
    assert again.status_code == 409 and "already ended" in again.json()["detail"]


def test_a_vendor_without_hangup_answers_409_with_why(agent):
    api = client_for(agent.user)
    call_id = api.post("/api/v1/calls/", {"number": "0722123456"}).json()["id"]
    Call.objects.filter(pk=call_id).update(status="answered", vendor_call_id="v-1")
    response = api.post(f"/api/v1/calls/{call_id}/hangup/")
    assert response.status_code == 409
    assert "hang up on your phone" in response.json()["detail"]


def test_token_auth_works_for_crms(agent, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=agent.user)
    response = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert client.get("/api/v1/calls/").status_code in (401, 403)


def test_a_user_who_is_no_agent_cannot_place_calls():
    supervisor = make_user("supervisor")
    response = client_for(supervisor).post("/api/v1/calls/", {"number": "0722123456"})
    assert response.status_code == 403 and "Only agents" in response.json()["detail"]


def test_the_openapi_schema_describes_the_calls_api(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/calls/{id}/hangup/" in response.content


def test_other_projects_contacts_are_not_callable_by_id(agent):
    stranger = make_contact(make_project(), "Else", "+40722123456")
    response = client_for(agent.user).post(
        "/api/v1/calls/", {"number": "0722123456", "contact": stranger.pk}
    )
    assert response.status_code == 400


def token_client(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_a_crm_places_a_call_with_the_agents_token(agent, originate_queue):
    response = token_client(agent.user).post(
        "/api/v1/calls/", {"number": "0722 123 456"}, format="json"
    )
    assert response.status_code == 202
    call = Call.objects.get()
    assert call.agent == agent and originate_queue == [call.pk]


def test_a_token_that_does_not_exist_or_belongs_to_a_disabled_user_is_refused(
    agent, originate_queue
):
    unknown = APIClient()
    unknown.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    reply = unknown.post("/api/v1/calls/", {"number": "0722 123 456"}, format="json")
    assert reply.status_code == 401 and reply.json()["detail"] == "Invalid token."
    disabled = token_client(agent.user)
    agent.user.is_active = False
    agent.user.save()
    reply = disabled.post("/api/v1/calls/", {"number": "0722 123 456"}, format="json")
    assert reply.status_code == 401 and "inactive" in reply.json()["detail"]
    assert not Call.objects.exists() and originate_queue == []


def test_a_supervisor_without_an_extension_reads_calls_with_a_token():
    supervisor = make_user("supervisor")
    assert token_client(supervisor).get("/api/v1/calls/").status_code == 200
