"""Shared fixtures; the factories themselves live in tests/factories.py."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from calls import roles
from calls.models import Agent, Project
from tests.factories import make_agent, make_project, make_user


@pytest.fixture
def project(db) -> Project:
    return make_project()


@pytest.fixture
def agent(project) -> Agent:
    return make_agent(project)


@pytest.fixture
def admin_api(db) -> APIClient:
    """The API as an administrator sees it."""
    client = APIClient()
    client.force_authenticate(make_user(roles.ADMIN))
    return client


@pytest.fixture
def originate_queue(monkeypatch) -> list[int]:
    """The ids of the calls whose originate task was queued: no broker, no worker (the
    queue and the worker have their own tests)."""
    queued: list[int] = []
    monkeypatch.setattr("calls.outbound.tasks.originate.delay", queued.append)
    return queued
