"""Adding a vendor is its adapter and one registry line: a fourth vendor registered here
is offered by the admin's account form and the API without a migration, and works in the
admin's tools, which never name a vendor; what it lacks is said in words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import pytest
from django.core.management import call_command

from calls import credentials
from calls.models import AuditEntry, PbxAccount, Project
from calls.pbx import registry
from calls.pbx.base import (
    ConnectionCheck,
    CredentialField,
    Extension,
    PbxAdapter,
    WebhookRegistration,
)
from tests.factories import make_agent, make_project, make_user

pytestmark = pytest.mark.django_db


class FakePbxAdapter(PbxAdapter):
    """A PBX that lists phones and takes event addresses, and has nothing else."""

    vendor = "fakepbx"
    label = "Fake PBX"
    credential_fields = (CredentialField("secret_word", "secret word"),)
    subscribed: ClassVar[list[tuple[str, tuple[Extension, ...]]]] = []

    def test_connection(self) -> ConnectionCheck:
        return ConnectionCheck(ok=True, message="Connected to Fake PBX.")

    def list_extensions(self) -> list[Extension]:
        return [Extension("301", label="Ana"), Extension("302", label="Ion")]

    def register_webhooks(self, url: str, extensions: Sequence[Extension]) -> WebhookRegistration:
        self.subscribed.append((url, tuple(extensions)))
        return WebhookRegistration(extensions=len(extensions), created=len(extensions))


@pytest.fixture
def fake_vendor(monkeypatch) -> type[FakePbxAdapter]:
    # The one line a new vendor adds to calls/pbx/registry.py.
    monkeypatch.setitem(registry.ADAPTERS, "fakepbx", f"{__name__}.FakePbxAdapter")
    monkeypatch.setattr(FakePbxAdapter, "subscribed", [])
    return FakePbxAdapter


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin", is_staff=True))
    return client


def fake_project() -> Project:
    account = PbxAccount(name="Fake", vendor="fakepbx", base_url="http://127.0.0.1:9/fake")
    account.set_credentials({"secret_word": "open sesame"})
    account.save()
    return make_project(account, settings={})


def run_action(client, model: str, action: str, obj) -> list[str]:
    response = client.post(
        f"/admin/calls/{model}/", {"action": action, "_selected_action": [obj.pk]}, follow=True
    )
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_the_account_form_offers_the_new_vendor_with_its_credential_inputs(
    admin_client, fake_vendor
):
    page = admin_client.get("/admin/calls/pbxaccount/add/").content.decode()
    assert re.search(r'<option value="fakepbx">\s*Fake PBX\s*</option>', page)
    tag = re.search(r'<input[^>]*name="cred_secret_word"[^>]*>', page).group(0)
    assert 'type="password"' in tag and 'data-vendors="fakepbx"' in tag
    response = admin_client.post(
        "/admin/calls/pbxaccount/add/",
        {
            "name": "Fake",
            "vendor": "fakepbx",
            "base_url": "https://fake.example",
            "cred_secret_word": "open sesame",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = PbxAccount.objects.get(name="Fake")
    assert account.vendor == "fakepbx" and account.credentials == {"secret_word": "open sesame"}
    assert account.get_vendor_display() == "Fake PBX"


def test_the_api_takes_an_account_of_the_new_vendor(admin_api, fake_vendor):
    response = admin_api.post(
        "/api/v1/pbx-accounts/",
        {
            "name": "Fake",
            "vendor": "fakepbx",
            "base_url": "https://fake.example",
            "credentials": {"secret_word": "open sesame"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["stored_credentials"] == ["secret_word"]


def test_the_new_vendor_needs_no_migration(fake_vendor):
    # Exits with status 1 when the models differ from the migrations.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_registered_vendor_imports_its_extensions_and_takes_our_webhooks(
    admin_client, fake_vendor
):
    project = fake_project()
    [imported] = run_action(admin_client, "project", "import_agents", project)
    assert "2 agent(s) created" in imported
    assert sorted(project.agents.values_list("extension", flat=True)) == ["301", "302"]
    [registered] = run_action(admin_client, "project", "register_webhooks", project)
    assert "event subscriptions for 2 extension(s): 2 created" in registered
    [(url, extensions)] = fake_vendor.subscribed
    assert url == project.event_webhook_url
    assert [e.name for e in extensions] == ["301", "302"]
    [checked] = run_action(admin_client, "pbxaccount", "test_connection", project.pbx_account)
    assert "Connected to Fake PBX." in checked
    assert AuditEntry.objects.filter(action="tool.import_agents").exists()


def test_what_the_new_vendor_lacks_is_said_in_words(admin_client, fake_vendor):
    project = fake_project()
    [message] = run_action(admin_client, "project", "send_test_event", project)
    assert message == "Fake PBX has no test event we can send."
    page = admin_client.get(f"/admin/calls/project/{project.pk}/change/")
    assert page.status_code == 200 and "voipcenter_url" not in page.context
    assert admin_client.get(f"/admin/calls/project/{project.pk}/voipcenter/").status_code == 404


def test_the_new_vendors_credentials_come_from_its_adapter(fake_vendor):
    assert credentials.check_credentials("fakepbx", {}, []) == {
        "secret_word": "Fake PBX needs secret word."
    }
    assert credentials.unknown_credentials("fakepbx", {"api_token": "x"}) == ["api_token"]
    assert "secret_word" in credentials.all_fields()


def test_a_vendor_without_an_extension_list_or_event_api_says_so(admin_client):
    project = make_project()  # While1 Voice: neither
    make_agent(project, extension="101")
    [imported] = run_action(admin_client, "project", "import_agents", project)
    assert imported == "While1 Voice offers no list of extensions to import."
    [registered] = run_action(admin_client, "project", "register_webhooks", project)
    assert registered == (
        "While1 Voice takes no event addresses through its API; give it the webhook "
        "address by hand."
    )
    assert project.agents.count() == 1
