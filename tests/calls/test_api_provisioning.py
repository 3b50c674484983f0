"""Admins provision PBX accounts, projects, agents and contacts; secrets never come back."""

import pytest
from rest_framework.test import APIClient

from calls.models import Agent, PbxAccount
from tests.factories import make_account, make_agent, make_project, make_user

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_pbx_account_and_never_reads_its_secrets_back(admin_api):
    response = admin_api.post(
        "/api/v1/pbx-accounts/",
        {
            "name": "Bucharest PBX",
            "vendor": "while1",
            "base_url": "https://pbx.example.ro",
            "credentials": {"api_token": "tok-very-secret", "api_key": "key-very-secret"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "very-secret" not in response.content.decode()
    assert response.json()["stored_credentials"] == ["api_key", "api_token"]
    listing = admin_api.get("/api/v1/pbx-accounts/").content.decode()
    assert "very-secret" not in listing
    assert (
        PbxAccount.objects.get(name="Bucharest PBX").credentials["api_token"] == "tok-very-secret"
    )


def test_a_vendor_missing_credentials_or_unknown_is_refused(admin_api):
    missing = admin_api.post(
        "/api/v1/pbx-accounts/",
        {
            "name": "VC",
            "vendor": "voipcenter",
            "base_url": "https://pbxonline.be",
            "credentials": {"api_id": "pi9"},
        },
        format="json",
    )
    assert missing.status_code == 400 and "VoipCenter needs" in missing.json()["detail"]
    unknown = admin_api.post(
        "/api/v1/pbx-accounts/",
        {"name": "X", "vendor": "asterisk", "base_url": "https://x.example"},
        format="json",
    )
    assert unknown.status_code == 400 and "vendor" in unknown.json()["detail"]


def test_patching_one_credential_keeps_the_others(admin_api):
    account = make_account(api_token="old-token", api_key="old-key")
    response = admin_api.patch(
        f"/api/v1/pbx-accounts/{account.pk}/", {"credentials": {"api_token": "new"}}, format="json"
    )
    assert response.status_code == 200
    account.refresh_from_db()
    assert account.credentials == {"api_token": "new", "api_key": "old-key"}


def test_a_project_shows_the_urls_to_give_the_pbx(admin_api):
    account = make_account()
    response = admin_api.post(
        "/api/v1/projects/",
        {
            "name": "Sales",
            "pbx_account": account.pk,
            "settings": {"project_id": 1, "outbound_number": "+40212345678", "region": "ro"},
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 201, body
    assert body["region"] == "RO" and "region" not in body["settings"]
    assert body["event_webhook_url"].startswith("http://127.0.0.1:8000/hooks/while1/")
    assert "/lookup/" in body["caller_lookup_url"]


def test_an_admin_creates_an_agent_who_can_log_in(admin_api, client):
    project = make_project()
    response = admin_api.post(
        "/api/v1/agents/",
        {
            "username": "dana",
            "password": "a-long-password",
            "project": project.pk,
            "extension": "105",
            "destination_type": "user",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    assert client.login(username="dana", password="a-long-password")
    assert Agent.objects.get(user__username="dana").user.groups.filter(name="agent").exists()


def test_contacts_phones_are_normalised_and_bad_ones_named(admin_api):
    project = make_project()
    ok = admin_api.post(
        "/api/v1/contacts/",
        {"project": project.pk, "name": "Ion", "phones": ["0722 123 456", "+40 21 312 3456"]},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["phones"] == ["+40722123456", "+40213123456"]
    bad = admin_api.post(
        "/api/v1/contacts/",
        {"project": project.pk, "name": "X", "phones": ["0722 1"]},
        format="json",
    )
    assert bad.status_code == 400 and "0722 1" in bad.json()["detail"]


def test_only_admins_provision():
    agent = make_agent()
    for user in (agent.user, make_user("supervisor")):
        client = APIClient()
        client.force_authenticate(user)
        for path in ("pbx-accounts", "projects", "agents", "contacts"):
            assert client.get(f"/api/v1/{path}/").status_code == 403
