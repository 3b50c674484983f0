"""The originate step against recorded While1 Voice replies: never a second ring."""

from datetime import timedelta

import pytest
import requests
import responses
from django.utils import timezone

from calls.models import Call, PbxAccount
from calls.outbound.hangup import hangup
from calls.outbound.originate import Originate, originate
from tests.factories import make_account, make_agent, make_project

pytestmark = pytest.mark.django_db

URL = "http://pbx.test/while1/api/originate-call"


@pytest.fixture
def call():
    account = make_account(api_token="tok", api_key="key")
    account.base_url = "http://pbx.test/while1"
    account.save()
    agent = make_agent(make_project(account, project_id=1))
    return Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722123456"
    )


def a_minute_ago():
    return timezone.now() - timedelta(minutes=1)


def reload(call):
    return Call.objects.get(pk=call.pk)


@responses.activate
def test_accepted_by_the_pbx_the_agent_phone_rings(call):
    responses.post(
        URL,
        json={
            "has_error": False,
            "messages": [],
            "results": ["Call successfully originated for user: 101"],
        },
    )
    assert originate(call.pk) == Originate.DONE
    assert reload(call).status == "agent_ringing"


@responses.activate
def test_refused_by_the_pbx_the_agent_reads_the_vendor_words(call):
    responses.post(URL, json={"has_error": True, "messages": ["User is not online"], "results": []})
    originate(call.pk)
    call = reload(call)
    assert call.status == "failed" and "User is not online" in call.failure_reason


@responses.activate
def test_a_redelivered_task_sends_nothing(call):
    responses.post(URL, json={"has_error": False, "messages": [], "results": ["ok"]})
    originate(call.pk)
    assert originate(call.pk) == Originate.SKIPPED
    assert len(responses.calls) == 1


@responses.activate
def test_a_pbx_that_times_out_fails_the_call_and_is_never_asked_again(call):
    responses.post(URL, body=requests.ReadTimeout("read timed out"))
    assert originate(call.pk) == Originate.DONE
    call = reload(call)
    assert call.status == "failed" and "may still ring" in call.failure_reason
    assert originate(call.pk) == Originate.SKIPPED
    assert len(responses.calls) == 1


def test_a_refused_connection_puts_the_call_back_for_a_retry(call):
    account = call.project.pbx_account
    account.base_url = "http://127.0.0.1:9/while1"  # discard port: nothing listens
    account.save()
    assert originate(call.pk) == Originate.RETRY
    call = reload(call)
    assert call.status == "queued" and "Could not reach" in call.failure_reason


def test_a_call_too_old_to_ring_is_not_retried(call):
    PbxAccount.objects.filter(pk=call.project.pbx_account_id).update(
        base_url="http://127.0.0.1:9/w"
    )
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    assert originate(call.pk) == Originate.DONE
    assert reload(call).status == "failed"


@responses.activate
def test_vendor_warnings_reach_the_admins(call):
    warning = (
        "API Username and Password are deprecated. Please use 'Authorization: Bearer $token' header"
    )
    responses.post(
        URL, json={"has_error": False, "messages": [], "warnings": [warning], "results": []}
    )
    originate(call.pk)
    assert PbxAccount.objects.get(pk=call.project.pbx_account_id).last_warning == warning


@responses.activate
def test_a_canceled_call_is_never_originated(call):
    hangup(call=call, by=None)
    assert reload(call).status == "canceled"
    assert originate(call.pk) == Originate.SKIPPED
    assert len(responses.calls) == 0


def test_the_claimed_call_carries_what_the_orm_would_read(call):
    """The one-statement claim (PostgreSQL) hands the adapter the same project settings,
    credentials, agent and contact as an ORM read does, and claims only once."""
    from calls.outbound.originate import claim
    from tests.factories import make_contact

    call.contact = make_contact(call.project, "Ion Pop", "+40722123456")
    call.save()
    claimed = claim(call.pk, requested_since=a_minute_ago())
    orm = Call.objects.select_related("project__pbx_account", "agent", "contact").get(pk=call.pk)
    assert claimed.status == orm.status == "originating"
    assert claimed.updated_at == orm.updated_at and claimed.external_id == orm.external_id
    assert claimed.project.settings == orm.project.settings == {"project_id": 1}
    assert claimed.project.pbx_account.credentials == {"api_token": "tok", "api_key": "key"}
    assert (claimed.agent.extension, claimed.agent.user_id) == (
        orm.agent.extension,
        orm.agent.user_id,
    )
    assert claimed.contact.name == "Ion Pop"
    assert claim(call.pk, requested_since=a_minute_ago()) is None  # a second delivery of the task


def test_a_claimed_call_without_agent_or_contact_reads_as_none(call):
    from calls.outbound.originate import claim

    Call.objects.filter(pk=call.pk).update(agent=None)
    claimed = claim(call.pk, requested_since=a_minute_ago())
    assert claimed.agent is None and claimed.contact is None


@responses.activate
def test_a_call_that_waited_too_long_for_a_worker_never_rings_late(call):
    # e.g. the workers were down for a few minutes: the agent has long moved on
    responses.post(URL, json={"has_error": False, "messages": [], "results": ["ok"]})
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(minutes=3))
    assert originate(call.pk) == Originate.DONE
    assert len(responses.calls) == 0
    call = reload(call)
    assert call.status == "failed"
    assert call.failure_reason == (
        "The call waited 180 s in the call queue, too long to ring now; it was not placed. "
        "Try again."
    )


def test_a_retried_call_that_grew_too_old_says_why_it_was_not_placed(call):
    Call.objects.filter(pk=call.pk).update(
        requested_at=timezone.now() - timedelta(minutes=1),
        failure_reason="Could not reach the PBX at pbx.test.",
    )
    assert originate(call.pk) == Originate.DONE
    call = reload(call)
    assert call.status == "failed"
    assert call.failure_reason == "Could not reach the PBX at pbx.test. The call was not placed."


def unreachable(call) -> None:
    PbxAccount.objects.filter(pk=call.project.pbx_account_id).update(
        base_url="http://127.0.0.1:9/w"  # the discard port: nothing listens
    )


def test_while_a_pbx_out_of_reach_is_retried_the_agents_card_says_so(call, client):
    unreachable(call)
    assert originate(call.pk) == Originate.RETRY
    client.force_login(call.agent.user)
    page = client.get("/").content.decode()
    # The agent reads that the PBX could not be reached, never its address
    # (calls/outbound/reasons.py).
    assert "The PBX could not be reached;" in page and "127.0.0.1:9" not in page
    assert "Trying again in a few seconds." in page


def test_the_open_pages_hear_of_a_retry_at_once_not_when_it_gives_up(call, settings):
    import json

    import redis

    from calls import live
    from tests.live_redis import use_redis

    use_redis(settings)
    unreachable(call)
    pubsub = redis.Redis.from_url(settings.REDIS_URL).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.agent_channel(call.agent_id))
    pubsub.get_message(timeout=1)  # the subscription's own confirmation
    assert originate(call.pk) == Originate.RETRY
    message = pubsub.get_message(timeout=2)
    pubsub.close()
    assert message is not None
    assert json.loads(message["data"])["status"] == "queued"
