"""The originate task retries only what never reached the PBX, then gives up with a reason."""

import socket

import pytest

from calls.models import Call
from calls.outbound.tasks import RETRY_BACKOFF, originate
from tests.factories import make_account, make_agent, make_project

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens


def test_a_pbx_that_refuses_connections_is_retried_then_the_call_fails_with_why(monkeypatch):
    account = make_account(api_token="t", api_key="k")
    account.base_url = f"http://127.0.0.1:{closed_port()}/while1"
    account.save()
    agent = make_agent(make_project(account, project_id=1))
    call = Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722123456"
    )
    attempts = []
    real_connect = socket.socket.connect

    def counting_connect(self, address):
        attempts.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    originate.apply(args=[call.pk])  # eager: retries run at once, without their countdown
    call.refresh_from_db()
    assert call.status == "failed"
    assert "Could not reach" in call.failure_reason and "not placed" in call.failure_reason
    assert len(attempts) == len(RETRY_BACKOFF) + 1


def test_a_redelivered_message_for_a_placed_call_does_nothing():
    agent = make_agent()
    call = Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        status="agent_ringing",
    )
    assert originate.apply(args=[call.pk]).get() == "skipped"
    call.refresh_from_db()
    assert call.status == "agent_ringing"
