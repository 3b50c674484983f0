"""Placing calls with an API token: every request checks the token, its user and agent
afresh, so a revoked token or a moved agent counts at once, even right after a call."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from calls.models import Agent, Call
from tests.factories import make_project

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("originate_queue")]


@pytest.fixture
def token(agent):
    return Token.objects.create(user=agent.user)


@pytest.fixture
def api(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def place(api, number="0722123456", **headers):
    return api.post("/api/v1/calls/", {"number": number}, format="json", headers=headers)


def a_first_call_that_ended(api):
    """A call placed and over: the token has been checked once already."""
    response = place(api, "0744000001")
    assert response.status_code == 202
    Call.objects.filter(pk=response.json()["id"]).update(status="completed")


def test_a_token_places_calls_one_after_another(api, originate_queue):
    a_first_call_that_ended(api)
    response = place(api)
    assert response.status_code == 202 and response.json()["number"] == "+40722123456"
    assert len(originate_queue) == 2


def test_a_revoked_token_places_no_call_even_right_after_a_call(api, token, originate_queue):
    a_first_call_that_ended(api)
    token.delete()
    response = place(api)
    assert response.status_code == 401
    assert Call.objects.count() == 1 and len(originate_queue) == 1


def test_a_deactivated_user_places_no_call(api, agent, originate_queue):
    a_first_call_that_ended(api)
    agent.user.is_active = False
    agent.user.save()
    response = place(api)
    assert response.status_code == 401 and response.json()["detail"] == "User inactive or deleted."
    assert Call.objects.count() == 1 and len(originate_queue) == 1


def test_a_user_who_is_no_longer_an_agent_places_no_call(api, agent, originate_queue):
    a_first_call_that_ended(api)
    Agent.objects.filter(pk=agent.pk).delete()
    response = place(api)
    assert response.status_code == 403
    assert Call.objects.count() == 1 and len(originate_queue) == 1


def test_an_agent_moved_to_a_dutch_project_calls_from_it_with_dutch_numbers(api, agent):
    a_first_call_that_ended(api)
    dutch = make_project(region="NL")
    Agent.objects.filter(pk=agent.pk).update(project=dutch)
    response = place(api, "072 212 3456")  # Alkmaar in NL; a Romanian mobile in RO
    assert response.status_code == 202, response.json()
    call = Call.objects.get(pk=response.json()["id"])
    assert call.project_id == dutch.pk and call.remote_number == "+31722123456"


def test_a_project_moved_to_another_region_reads_numbers_in_it(api, agent):
    a_first_call_that_ended(api)
    agent.project.region = "NL"
    agent.project.save()
    response = place(api, "072 212 3456")
    assert response.status_code == 202, response.json()
    assert response.json()["number"] == "+31722123456"


def test_a_revoked_token_cannot_read_a_call_back_by_its_idempotency_key(api, token):
    first = place(api, **{"Idempotency-Key": "crm-7"})
    assert first.status_code == 202
    token.delete()
    again = place(api, **{"Idempotency-Key": "crm-7"})
    assert again.status_code == 401 and "id" not in again.json()


def test_a_revoked_token_gets_401_for_a_bad_number_too(api, token):
    a_first_call_that_ended(api)
    token.delete()
    assert place(api, "12").status_code == 401


def test_an_agent_on_a_call_still_hears_why_the_next_one_waits(api):
    a_first_call_that_ended(api)
    assert place(api).status_code == 202
    busy = place(api, "0744123456")
    assert busy.status_code == 409
    assert busy.json()["detail"].startswith("You are already on a call to 0722 123 456")
    assert place(api).status_code == 200  # the same number again: the same call


def test_the_token_reads_its_user_agent_project_and_account_as_the_orm_does(token, agent):
    """The token's one statement (PostgreSQL) hands the view the same user, agent,
    project and PBX account as the ORM's read, in one query; a user who is no agent
    has none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from calls.api.auth import TokenWithAgentAuthentication

    auth = TokenWithAgentAuthentication()
    with CaptureQueriesContext(connection) as queries:
        user, read = auth.authenticate_credentials(token.key)
        assert read.key == token.key and user.pk == agent.user_id
        assert user.username == agent.user.username and user.is_active
        assert user.agent.extension == agent.extension
        assert user.agent.project.region == agent.project.region
        assert user.agent.project.settings == agent.project.settings
        assert user.agent.project.pbx_account.credentials == agent.project.pbx_account.credentials
    assert len(queries) == 1
    agent.delete()
    user, _token = auth.authenticate_credentials(token.key)
    assert not hasattr(user, "agent")
    assert auth.token_with_agent("not-a-token") is None
