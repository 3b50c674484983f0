"""The admin as admins and supervisors see it: tools, permissions, secrets, the trail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib import admin as django_admin

from calls.models import AuditEntry, Call, PbxAccount, Project, Vendor
from tests.factories import make_account, make_agent, make_project, make_user
from tests.sandbox.harness import SandboxProcess, running_sandbox

pytestmark = pytest.mark.django_db

SECRETS = ("tok-very-secret", "key-very-secret", "sign-very-secret")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin", is_staff=True, first_name="Ana", last_name="Popescu"))
    return client


def page_text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_every_registered_model_has_a_working_list_for_admins(admin_client):
    project = make_project(make_account(api_token="tok-very-secret", api_key="key-very-secret"))
    make_agent(project)
    for model in filter(django_admin.site.is_registered, apps.get_models()):
        opts = model._meta
        if opts.app_label not in ("calls", "contacts"):
            continue  # auth's users and groups are superusers' business
        response = admin_client.get(f"/admin/{opts.app_label}/{opts.model_name}/")
        assert response.status_code == 200, opts.label
        assert not any(s in page_text(response) for s in SECRETS), opts.label
    for url in (
        "/admin/calls/project/add/",
        "/admin/calls/pbxaccount/add/",
        f"/admin/calls/agent/{project.agents.get().pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_supervisors_see_calls_but_no_vendor_settings_or_tools(client):
    account = make_account(api_token="tok-very-secret", api_key="key-very-secret")
    project = make_project(account)
    client.force_login(make_user("supervisor", is_staff=True))
    assert client.get("/admin/calls/call/").status_code == 200
    assert client.get("/admin/calls/pbxaccount/").status_code == 403
    assert client.get(f"/admin/calls/pbxaccount/{account.pk}/change/").status_code == 403
    assert client.get(f"/admin/calls/project/{project.pk}/change/").status_code == 403
    assert client.get(f"/admin/calls/project/{project.pk}/voipcenter/").status_code == 403
    index = page_text(client.get("/admin/"))
    assert "PBX accounts" not in index and "Calls" in index
    response = client.post(
        "/admin/calls/pbxaccount/",
        {"action": "test_connection", "_selected_action": [account.pk]},
    )
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="tool.").exists()


def test_admin_tests_a_connection_from_the_account_list(admin_client, sandbox):
    account = sandbox.put_account({"dialect": "sandbox", "api_token": "tok-very-secret"})
    pbx = PbxAccount(name="SBX", vendor=Vendor.SANDBOX, base_url=sandbox.url + "/generic")
    pbx.set_credentials({"api_token": "tok-very-secret"})
    pbx.save()
    response = admin_client.post(
        "/admin/calls/pbxaccount/",
        {"action": "test_connection", "_selected_action": [pbx.pk]},
        follow=True,
    )
    [message] = messages_of(response)
    assert f"Connected to the sandbox PBX as account {account['name']}" in message
    assert "tok-very-secret" not in page_text(response)
    pbx.set_credentials({"api_token": "wrong-token"})
    pbx.save()
    response = admin_client.post(
        "/admin/calls/pbxaccount/",
        {"action": "test_connection", "_selected_action": [pbx.pk]},
        follow=True,
    )
    [message] = messages_of(response)
    assert "did not accept the API token" in message and "wrong-token" not in message


def test_changing_credentials_is_audited_by_name_never_by_value(admin_client):
    account = make_account(api_token="tok-old-secret", api_key="key-old-secret")
    response = admin_client.post(
        f"/admin/calls/pbxaccount/{account.pk}/change/",
        {
            "name": account.name,
            "vendor": "while1",
            "base_url": "http://127.0.0.1:9/while1-new",
            "cred_api_token": "tok-very-secret",
            "cred_api_key": "",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="pbx_account.changed")
    assert entry.data["credentials"] == ["api_token"] and entry.data["fields"] == ["base_url"]
    assert "Ana Popescu changed PBX account" in entry.summary
    assert "credential api_token" in entry.summary
    everything = entry.summary + str(entry.data)
    assert "very-secret" not in everything and "old-secret" not in everything


def test_project_secret_settings_are_masked_kept_and_audited_by_key(admin_client):
    project = make_project(project_id=7, webhook_signing_secret="sign-very-secret")
    url = f"/admin/calls/project/{project.pk}/change/"
    page = page_text(admin_client.get(url))
    assert "sign-very-secret" not in page and "********" in page
    assert "Events arriving normally" in page
    response = admin_client.post(
        url,
        {
            "name": project.name,
            "pbx_account": project.pbx_account_id,
            "region": "RO",
            "settings": '{"project_id": 8, "webhook_signing_secret": "********"}',
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.settings == {"project_id": 8, "webhook_signing_secret": "sign-very-secret"}
    entry = AuditEntry.objects.get(action="project.changed")
    assert entry.data["settings"] == ["project_id"]
    assert "sign-very-secret" not in entry.summary + str(entry.data)


def test_silent_pbx_is_shown_on_the_project_page(admin_client):
    from django.utils import timezone

    project = make_project()
    Project.objects.filter(pk=project.pk).update(events_silent_since=timezone.now())
    page = page_text(admin_client.get(f"/admin/calls/project/{project.pk}/change/"))
    assert "calls are made but the PBX sends no events" in page


def test_token_rotation_is_audited(admin_client):
    project = make_project()
    old = project.webhook_token
    response = admin_client.post(
        "/admin/calls/project/",
        {"action": "rotate_tokens", "_selected_action": [project.pk]},
        follow=True,
    )
    assert "New tokens issued" in messages_of(response)[0]
    project.refresh_from_db()
    assert project.webhook_token != old
    entry = AuditEntry.objects.get(action="project.tokens_rotated")
    assert old not in entry.summary and project.webhook_token not in entry.summary


def test_calls_are_read_only_in_the_admin(admin_client):
    agent = make_agent()
    call = Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722000111"
    )
    page = admin_client.get(f"/admin/calls/call/{call.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page_text(page)
    assert admin_client.post(f"/admin/calls/call/{call.pk}/delete/").status_code == 403


def test_the_audit_trail_filters_by_action(admin_client):
    from calls import audit

    project = make_project()
    audit.tokens_rotated(None, project)
    audit.record(None, "pbx_account.created", project.pbx_account, "made one")
    page = page_text(admin_client.get("/admin/calls/auditentry/?action=pbx_account.created"))
    assert "made one" in page and "issued new webhook" not in page
    assert admin_client.get("/admin/calls/auditentry/add/").status_code == 403


def test_voipcenter_switches_page_lists_and_toggles(admin_client, sandbox):
    account = sandbox.put_account(
        {
            "dialect": "voipcenter",
            "api_id": sandbox.unique("pi99"),
            "customer_number": "123456",
            "password": "pw-very-secret",
            "private_key": "key-very-secret",
        }
    )
    pbx = PbxAccount(
        name=account["name"], vendor=Vendor.VOIPCENTER, base_url=sandbox.url + "/voipcenter"
    )
    pbx.set_credentials(
        {
            "api_id": account["api_id"],
            "customer_number": "123456",
            "password": "pw-very-secret",
            "private_key": "key-very-secret",
        }
    )
    pbx.save()
    project = Project.objects.create(name="VC", pbx_account=pbx)
    change = page_text(admin_client.get(f"/admin/calls/project/{project.pk}/change/"))
    assert f"/admin/calls/project/{project.pk}/voipcenter/" in change
    url = f"/admin/calls/project/{project.pk}/voipcenter/"
    page = page_text(admin_client.get(url))
    assert "Night mode" in page and "Switch on" in page and "Main line" in page
    response = admin_client.post(url, {"indicator": "100", "on": "1"}, follow=True)
    assert "switched function indicator 100 on" in messages_of(response)[0]
    assert "Switch off" in page_text(response)
    response = admin_client.post(url, {"did": "540", "route": "abc"})
    assert "digits only" in page_text(response)
    response = admin_client.post(url, {"did": "540", "route": "142"}, follow=True)
    assert "route=142" in messages_of(response)[0]
    assert "very-secret" not in page_text(response)
    assert AuditEntry.objects.filter(action="tool.set_did_routes").count() == 1


def test_the_switches_page_is_only_for_voipcenter_projects(admin_client):
    project = make_project()
    assert admin_client.get(f"/admin/calls/project/{project.pk}/voipcenter/").status_code == 404
