"""PBX credentials are encrypted at rest and never shown back to anyone."""

import logging

import pytest
from django.db import connection
from django.test import override_settings

from calls.models import PbxAccount
from pbxportal.crypto import UndecryptableCredentials
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


def test_credentials_are_not_stored_in_clear():
    account = make_account(api_token="tok-very-secret", api_key="key-very-secret")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM calls_pbxaccount WHERE id = %s", [account.pk]
        )
        (stored,) = cursor.fetchone()
    assert "very-secret" not in stored
    assert PbxAccount.objects.get(pk=account.pk).credentials == {
        "api_key": "key-very-secret",
        "api_token": "tok-very-secret",
    }


def test_an_empty_value_keeps_the_stored_credential():
    account = make_account(api_token="old-token", api_key="old-key")
    account.set_credentials({"api_token": "new-token", "api_key": ""})
    assert account.credentials == {"api_token": "new-token", "api_key": "old-key"}


def test_a_rotated_key_still_reads_old_rows_and_a_lost_key_says_what_to_do(settings):
    account = make_account(api_token="t", api_key="k")
    with override_settings(
        FIELD_ENCRYPTION_KEYS=["brand-new-key", *settings.FIELD_ENCRYPTION_KEYS]
    ):
        assert PbxAccount.objects.get(pk=account.pk).credentials["api_token"] == "t"
    with override_settings(FIELD_ENCRYPTION_KEYS=["some-other-key"]):
        with pytest.raises(UndecryptableCredentials, match="FIELD_ENCRYPTION_KEYS"):
            _ = PbxAccount.objects.get(pk=account.pk).credentials


def test_the_admin_change_page_never_shows_a_secret(client):
    account = make_account(api_token="tok-very-secret", api_key="key-very-secret")
    client.force_login(make_user(is_superuser=True, is_staff=True))
    page = client.get(f"/admin/calls/pbxaccount/{account.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "very-secret" not in html
    assert "api_key, api_token" in html  # which credentials are set is shown, not their values
    assert 'name="cred_api_token"' in html  # and a write-only input to replace one


def test_admin_can_change_one_credential_and_keep_the_other(client):
    account = make_account(api_token="tok-old", api_key="key-old")
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.post(
        f"/admin/calls/pbxaccount/{account.pk}/change/",
        {
            "name": account.name,
            "vendor": "while1",
            "base_url": account.base_url,
            "cred_api_token": "tok-new",
            "cred_api_key": "",
        },
    )
    assert response.status_code == 302
    assert PbxAccount.objects.get(pk=account.pk).credentials == {
        "api_token": "tok-new",
        "api_key": "key-old",
    }


def test_admin_creating_an_account_must_give_what_the_vendor_needs(client):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.post(
        "/admin/calls/pbxaccount/add/",
        {
            "name": "VC",
            "vendor": "voipcenter",
            "base_url": "https://pbxonline.be",
            "cred_api_id": "pi99",
            "cred_password": "pw",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "VoipCenter needs" in html
    assert not PbxAccount.objects.filter(name="VC").exists()
    assert 'value="pw"' not in html  # a rejected form does not echo the password back


def test_log_lines_are_scrubbed_of_vendor_secrets(caplog):
    from pbxportal.logging import RedactSecretsFilter

    logger = logging.getLogger("calls.pbx.test")
    handler_filter = RedactSecretsFilter()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("GET %s", "https://pbx/api/call.php?apiID=x&pwd=abc123&pass=def456&ts=1")
        logger.warning("headers %s", {"Authorization": "Bearer sekrit-token"})
    finally:
        caplog.handler.removeFilter(handler_filter)
    text = caplog.text
    assert "abc123" not in text and "def456" not in text and "sekrit-token" not in text
    assert "apiID=x" in text
