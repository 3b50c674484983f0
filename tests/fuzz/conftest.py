"""The fuzz tests' world: a project with an agent, an admin, a contact and a call, and
API tokens for an admin and an agent issued the way ``manage.py issue_api_token`` does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from calls import roles
from calls.api.tokens import issue_token
from calls.models import Agent, Call
from tests.factories import make_agent, make_contact, make_project, make_user


@pytest.fixture
def fuzz_agent(db) -> Agent:
    project = make_project()
    agent = make_agent(project, extension="101")
    contact = make_contact(project, "Ion Popescu", "+40722123456")
    Call.objects.create(
        project=project,
        agent=agent,
        contact=contact,
        direction="outbound",
        remote_number="+40722123456",
        status="completed",
    )
    return agent


@pytest.fixture
def admin_token(fuzz_agent) -> str:
    return issue_token(make_user(roles.ADMIN))


@pytest.fixture
def agent_token(fuzz_agent) -> str:
    return issue_token(fuzz_agent.user)


@pytest.fixture
def in_process_app() -> Iterator[None]:
    """Requests sent straight to the WSGI app keep the test's connection (and its
    transaction) open, as Django's own test client arranges: no closing between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
