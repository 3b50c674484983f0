"""Upgrading hashes every API token stored in plain text; their holders notice nothing."""

import pytest
from rest_framework.test import APIClient

from tests.migration_steps import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("calls", "0016_working_day"), ("authtoken", "0004_alter_tokenproxy_options")]
AFTER = [("calls", "0017_hash_api_tokens")]


def test_a_plain_token_from_before_is_stored_hashed_and_still_lets_its_holder_in():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("auth", "User")
        Token = apps.get_model("authtoken", "Token")
        user = User.objects.create(username="crm", is_staff=True, is_superuser=True)
        plain = "0123456789abcdef0123456789abcdef01234567"
        Token.objects.create(user=user, key=plain)
    finally:
        migrate(AFTER)
        migrate_to_latest()
    from rest_framework.authtoken.models import Token as CurrentToken

    stored = CurrentToken.objects.get(user__username="crm")
    assert stored.key != plain and stored.key.startswith("h:")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {plain}")
    assert client.get("/api/v1/calls/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {stored.key}")  # what the table holds
    assert client.get("/api/v1/calls/").status_code == 401
