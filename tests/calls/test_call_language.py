"""Sentences written away from the agent's page (worker, housekeeping) are in the language
the agent placed the call in, not the server's."""

from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone, translation
from rest_framework.test import APIClient

from calls.maintenance.housekeeping import close_stuck_calls
from calls.models import Call, UserPreference
from calls.outbound.originate import Originate, give_up, originate
from tests.factories import make_agent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _back_to_the_servers_language(originate_queue):
    yield
    translation.deactivate()


def start(agent, language: str, number: str = "0722123456") -> Call:
    api = APIClient()
    api.force_authenticate(agent.user)
    response = api.post(
        "/api/v1/calls/", {"number": number}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 202
    translation.deactivate()  # the worker runs elsewhere, in the server's language
    return Call.objects.get(pk=response.json()["id"])


def test_a_pbx_out_of_reach_is_reported_in_the_agents_language(agent):
    call = start(agent, "ro")  # the account's PBX is on the discard port: nothing listens
    assert originate(call.pk) == Originate.RETRY
    give_up(call.pk)
    call.refresh_from_db()
    assert call.status == "failed"
    assert call.failure_reason.startswith("Nu am putut contacta PBX-ul While1 Voice")
    assert call.failure_reason.endswith("Apelul nu a fost efectuat.")


@responses.activate
def test_a_pbx_that_times_out_is_reported_in_the_agents_language(agent):
    responses.post(
        "http://127.0.0.1:9/while1/api/originate-call", body=requests.ReadTimeout("timed out")
    )
    call = start(agent, "nl")
    originate(call.pk)
    call.refresh_from_db()
    assert call.failure_reason.startswith("De While1 Voice-PBX antwoordde niet binnen")


@responses.activate
def test_the_vendors_refusal_keeps_its_words_inside_the_agents_language(agent):
    responses.post(
        "http://127.0.0.1:9/while1/api/originate-call",
        json={"has_error": True, "messages": ["User is not online"], "results": []},
    )
    call = start(agent, "ru")
    originate(call.pk)
    call.refresh_from_db()
    assert call.failure_reason == "While1 Voice отклонила звонок: User is not online"


def test_housekeeping_closes_a_call_in_its_agents_language(agent):
    call = start(agent, "ro")
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=3))
    assert close_stuck_calls().queued == 1
    call.refresh_from_db()
    assert call.failure_reason.startswith("Niciun worker nu a preluat acest apel")


def test_the_saved_language_of_a_dialer_user_wins(client, agent):
    UserPreference.objects.create(user=agent.user, language="ro")
    client.force_login(agent.user)
    client.post("/calls/start/", {"number": "0722123456"}, headers={"accept-language": "nl"})
    translation.deactivate()
    call = Call.objects.get(agent=agent)
    originate(call.pk)
    call.refresh_from_db()
    assert call.failure_reason.startswith("Nu am putut contacta")


def test_a_call_without_a_language_speaks_the_servers(agent):
    call = Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722123456"
    )
    originate(call.pk)
    call.refresh_from_db()
    assert call.failure_reason.startswith("Could not reach the While1 Voice PBX")


def test_an_unknown_language_falls_back_to_the_servers(agent):
    call = start(make_agent(agent.project), "xx")
    originate(call.pk)
    call.refresh_from_db()
    assert call.failure_reason.startswith("Could not reach")


def test_a_vendor_error_code_is_explained_in_the_agents_language():
    from calls.pbx.voipcenter.reply import sentence

    with translation.override("ro"):
        explained = sentence("21", "call leg failed")
    assert explained == (
        "VoipCenter 21: call leg failed — VoipCenter nu a putut suna telefonul agentului; "
        "verificați că telefonul acestui cont SIP este pornit și înregistrat."
    )
