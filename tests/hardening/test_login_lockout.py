"""Guessing passwords: after a few wrong ones the username, and the address, wait."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from calls import roles
from tests.factories import make_user

PASSWORD = "pw-for-tests-123"  # tests.factories.make_user


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    """On for these tests (pbxportal/test_settings.py turns it off for the suite)."""
    settings.AXES_ENABLED = True
    settings.API_FAILED_AUTH_RATE = "20/min"


def _guess(client: Client, url: str, username: str, password: str = "wrong", ip="10.0.0.1"):  # noqa: S107
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_username_out_even_for_the_right_password(url):
    user = make_user(roles.ADMIN, is_staff=True)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _guess(client, url, user.username)
    locked = _guess(client, url, user.username, PASSWORD, ip="10.0.0.2")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_one_address_guessing_many_usernames_is_locked_out():
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        _guess(client, "/login/", f"nobody{n}", ip="10.0.0.9")
    other = make_user()
    locked = _guess(client, "/login/", other.username, PASSWORD, ip="10.0.0.9")
    assert locked.status_code == 429
    # Someone else, from another address, is not affected.
    assert _guess(Client(), "/login/", other.username, PASSWORD, ip="10.0.0.10").status_code == 302


@pytest.mark.django_db
def test_an_admin_unlocks_by_deleting_the_attempt():
    user = make_user()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _guess(client, "/login/", user.username)
    assert _guess(client, "/login/", user.username, PASSWORD).status_code == 429
    AccessAttempt.objects.all().delete()  # what the admin's "Access attempts" delete does
    assert _guess(client, "/login/", user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_lists_the_attempts_to_unlock():
    admin = make_user(roles.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/axes/accessattempt/").status_code == 200


@pytest.mark.django_db
def test_a_few_wrong_passwords_do_not_lock_anyone_out():
    user = make_user()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _guess(client, "/login/", user.username).status_code == 200
    assert _guess(client, "/login/", user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_guessing_api_tokens_is_throttled_per_address():
    from django.core.cache import cache

    cache.clear()
    client = APIClient(REMOTE_ADDR="10.0.0.77")
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    codes = [client.get("/api/v1/calls/").status_code for _ in range(25)]
    assert codes[0] == 401
    assert codes[-1] == 429
    # Another address still gets its honest 401.
    other = APIClient(REMOTE_ADDR="10.0.0.78")
    other.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert other.get("/api/v1/calls/").status_code == 401
