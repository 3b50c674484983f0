"""API tokens are stored as hashes: the database alone lets nobody into the API."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from calls.api.tokens import HASHED_PREFIX, hash_stored_tokens, issue_token
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def _get(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/calls/").status_code


def test_an_issued_token_works_and_only_its_hash_is_stored():
    agent = make_agent()
    raw = issue_token(agent.user)
    stored = Token.objects.get(user=agent.user).key
    assert raw not in stored and stored.startswith(HASHED_PREFIX)
    assert _get(raw) == 200
    assert _get(stored) == 401  # what the database holds is no token


def test_issuing_again_replaces_the_old_token():
    agent = make_agent()
    first = issue_token(agent.user)
    second = issue_token(agent.user)
    assert _get(first) == 401 and _get(second) == 200


def test_tokens_stored_plain_before_keep_working_until_hashed():
    agent = make_agent()
    legacy = Token.objects.create(user=agent.user).key
    assert _get(legacy) == 200
    assert hash_stored_tokens() == 1
    assert Token.objects.get(user=agent.user).key.startswith(HASHED_PREFIX)
    assert _get(legacy) == 200
    assert hash_stored_tokens() == 0


def test_the_commands_issue_and_hash():
    agent = make_agent()
    out = io.StringIO()
    call_command("issue_api_token", agent.user.username, stdout=out)
    raw = out.getvalue().strip().split()[-1]
    assert _get(raw) == 200
    Token.objects.all().delete()
    Token.objects.create(user=agent.user)
    out = io.StringIO()
    call_command("hash_api_tokens", stdout=out)
    assert "1" in out.getvalue()


def test_a_token_made_in_the_admin_or_by_drf_create_token_is_hashed_within_a_minute():
    from calls.maintenance.tasks import housekeeping

    agent = make_agent()
    plain = Token.objects.create(user=agent.user).key  # DRF's own ways store it plain
    assert housekeeping()["api_tokens_hashed"] == 1
    assert Token.objects.get(user=agent.user).key.startswith(HASHED_PREFIX)
    assert _get(plain) == 200
