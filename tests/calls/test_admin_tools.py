"""The admin's vendor tools against a running sandbox PBX, over real sockets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User

from calls.events.history_sync import sync_calls, sync_vendor_calls
from calls.models import AuditEntry, Call, CallEvent, PbxAccount, Project, Vendor, WebhookRequest
from calls.pbx.for_project import config_for, originate_request_for
from calls.pbx.voipcenter import VoipCenterAdapter
from calls.vendor_tools import voipcenter as vc_tools
from calls.vendor_tools.agents import import_agents, register_webhooks
from calls.vendor_tools.connection import check_connection
from calls.vendor_tools.test_event import send_test_event
from tests.events import apply_queued
from tests.factories import make_agent, make_user
from tests.sandbox.harness import SandboxProcess, running_sandbox, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


def voipcenter_project(sandbox: SandboxProcess, **account_extra) -> Project:
    account = sandbox.put_account(
        {
            "dialect": "voipcenter",
            "api_id": sandbox.unique("pi99"),
            "customer_number": "123456",
            "password": "pa ss+wörd",
            "private_key": "priv&key-secret",
            "extensions": [{"id": 1, "name": "201"}, {"id": 2, "name": "202"}],
            **account_extra,
        }
    )
    pbx = PbxAccount(
        name=account["name"], vendor=Vendor.VOIPCENTER, base_url=sandbox.url + "/voipcenter"
    )
    pbx.set_credentials(
        {
            "api_id": account["api_id"],
            "customer_number": "123456",
            "password": account["password"],
            "private_key": account["private_key"],
        }
    )
    pbx.save()
    return Project.objects.create(
        name=account["name"], pbx_account=pbx, region="BE", settings={"read_timeout": 3}
    )


def telphin_project(sandbox: SandboxProcess) -> Project:
    account = sandbox.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox.unique("app"),
            "client_secret": "cs-secret-1",
            "extensions": [{"id": 175, "name": "000*099"}, {"id": 176, "name": "000*100"}],
        }
    )
    pbx = PbxAccount(name=account["name"], vendor=Vendor.TELPHIN, base_url=sandbox.url + "/telphin")
    pbx.set_credentials({"client_id": account["client_id"], "client_secret": "cs-secret-1"})
    pbx.save()
    return Project.objects.create(name=account["name"], pbx_account=pbx, settings={})


def test_test_connection_says_connected_and_is_audited(sandbox):
    project = voipcenter_project(sandbox)
    admin = make_user("admin", first_name="Ana", last_name="Popescu")
    result = check_connection(project.pbx_account, actor=admin)
    assert result.ok
    assert "Connected: 2 SIP accounts" in result.message
    entry = AuditEntry.objects.get(action="tool.test_connection")
    assert entry.actor == admin and "Ana Popescu" in entry.summary
    assert "priv&key-secret" not in entry.summary + str(entry.data)


def test_test_connection_with_a_wrong_key_says_what_to_check(sandbox):
    project = voipcenter_project(sandbox)
    account = project.pbx_account
    account.set_credentials({"private_key": "wrong-key"})
    account.save()
    result = check_connection(account)
    assert not result.ok
    assert "VoipCenter 14: incorrect hash" in result.message
    assert "private API key" in result.message
    assert "wrong-key" not in result.message and "Traceback" not in result.message


def test_test_connection_to_a_dead_address_is_a_sentence(sandbox):
    project = voipcenter_project(sandbox)
    PbxAccount.objects.filter(pk=project.pbx_account_id).update(base_url="http://127.0.0.1:9/x")
    result = check_connection(PbxAccount.objects.get(pk=project.pbx_account_id))
    assert not result.ok and "Could not reach" in result.message


def test_import_sip_accounts_twice_creates_each_agent_once(sandbox):
    project = voipcenter_project(sandbox)
    make_agent(project, extension="202")  # already set up by hand
    first = import_agents(project)
    assert first.ok and first.counts["created"] == 1 and first.counts["skipped"] == 1
    agent = project.agents.get(extension="201")
    assert agent.user.groups.filter(name="agent").exists()
    assert not agent.user.has_usable_password()
    second = import_agents(project)
    assert second.counts["created"] == 0 and second.counts["skipped"] == 2
    assert project.agents.count() == 2


def test_import_telphin_extensions_keeps_their_ids_and_usernames_stay_unique(sandbox):
    project = telphin_project(sandbox)
    User.objects.create_user("000-099")  # a username the import would like to take
    result = import_agents(project)
    assert result.counts["created"] == 2
    agent = project.agents.get(extension="000*099")
    assert agent.vendor_extension_id == "175"
    assert agent.user.username == f"000-099-p{project.pk}"


def test_register_webhooks_twice_changes_nothing_the_second_time(sandbox, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    project = telphin_project(sandbox)
    import_agents(project)
    first = register_webhooks(project)
    assert first.ok and first.counts["created"] == 8  # 4 event types x 2 extensions
    again = register_webhooks(project)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 8, "failed": 0}
    assert "8 unchanged" in again.message
    project.rotate_tokens()
    project.save()
    rotated = register_webhooks(project)
    assert rotated.counts["updated"] == 8 and rotated.counts["created"] == 0


def test_register_webhooks_refuses_other_vendors_in_words(sandbox):
    result = register_webhooks(voipcenter_project(sandbox))
    assert not result.ok and "VoipCenter takes no event addresses" in result.message


def test_indicator_toggle_and_did_routes_reach_voipcenter(sandbox):
    project = voipcenter_project(sandbox)
    [indicator] = vc_tools.list_indicators(project)
    assert indicator.name == "Night mode" and not indicator.on
    result = vc_tools.set_indicator(project, indicator.id, True)
    assert result.ok and "switched function indicator 100 on" in result.message
    assert vc_tools.list_indicators(project)[0].on
    routed = vc_tools.set_did_routes(project, "540", {"route": "141", "backup_route": ""})
    assert routed.ok
    [did] = vc_tools.list_dids(project)
    assert did.routes["route"] == "141" and did.routes["backup_route"] == "150"
    refused = vc_tools.set_indicator(project, "999", True)
    assert not refused.ok and "VoipCenter 17" in refused.message


def _finished_calls(sandbox: SandboxProcess, account: str, count: int) -> list[dict]:
    def done():
        calls = sandbox.calls(account=account)
        return calls if len(calls) >= count and all(c.get("outcome") for c in calls) else None

    return wait_for(done, timeout=10)


def test_sync_call_history_twice_gives_the_same_rows(sandbox):
    project = voipcenter_project(sandbox)
    agent = make_agent(project, extension="201")
    ours = Call.objects.create(
        project=project,
        agent=agent,
        direction="outbound",
        remote_number="+3293456789",
        status="originating",
    )
    adapter = VoipCenterAdapter(config_for(project))
    assert adapter.originate(originate_request_for(ours)).ok
    reply = sandbox.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": project.pbx_account.name,
            "from": "+3250123456",
            "to": "3293456789",
            "extension": "201",
        },
    )
    assert reply.status == 201
    _finished_calls(sandbox, project.pbx_account.name, 2)
    today = datetime.now(UTC).date()
    first = sync_calls(project, today)
    assert (first.matched, first.created) == (1, 1)
    ours.refresh_from_db()
    assert ours.vendor_call_id.startswith("sbx-") and ours.status == "completed"
    inbound = Call.objects.get(project=project, direction="inbound")
    assert inbound.remote_number == "+3250123456" and inbound.agent == agent
    rows = sorted(Call.objects.filter(project=project).values_list("pk", "vendor_call_id"))
    second = sync_calls(project, today)
    assert (second.matched, second.created, second.known) == (0, 0, 2)
    assert sorted(Call.objects.filter(project=project).values_list("pk", "vendor_call_id")) == rows


def test_the_beat_task_syncs_voipcenter_projects_only(sandbox):
    project = voipcenter_project(sandbox)
    telphin_project(sandbox)
    sandbox.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": project.pbx_account.name,
            "from": "+3250123400",
            "to": "3293456789",
            "extension": "202",
        },
    )
    _finished_calls(sandbox, project.pbx_account.name, 1)
    totals = sync_vendor_calls()
    assert totals["failed"] == 0 and totals["created"] == 1
    assert sync_vendor_calls()["created"] == 0
    assert Call.objects.filter(project=project).count() == 1


@pytest.mark.django_db(transaction=True)
def test_send_test_event_goes_through_the_real_webhook_view(sandbox, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    project = voipcenter_project(sandbox)
    project.settings = {"webhook_signing_secret": "sign-secret-1"}
    project.save()
    result = send_test_event(project)
    assert result.ok, result.message
    assert "HTTP 200" in result.message and "webhook log" in result.message
    apply_queued()
    logged = WebhookRequest.objects.get(project=project)
    assert logged.verdict == "accepted" and logged.events == 1
    event = CallEvent.objects.get(project=project)
    assert event.kind == "unknown" and event.call is None
    assert not Call.objects.filter(project=project).exists()
    assert send_test_event(project).ok  # a second one is a new event, not a repeat
    apply_queued()
    assert CallEvent.objects.filter(project=project).count() == 2


@pytest.mark.django_db(transaction=True)
def test_send_test_event_in_telphin_form_and_a_bad_signature_is_reported(
    sandbox, live_server, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    telphin = telphin_project(sandbox)
    assert send_test_event(telphin).ok
    assert (
        WebhookRequest.objects.get(project=telphin)
        .headers["content-type"]
        .startswith("application/x-www-form-urlencoded")
    )
    project = voipcenter_project(sandbox)
    project.settings = {"webhook_signing_secret": "sign-secret-1"}
    project.save()
    Project.objects.filter(pk=project.pk).update(settings={"webhook_signing_secret": "other"})
    result = send_test_event(project)  # signed with the old secret, checked with the new
    assert not result.ok and "HTTP 403" in result.message


def test_send_test_event_to_an_address_where_nothing_listens(sandbox, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9"
    result = send_test_event(voipcenter_project(sandbox))
    assert not result.ok and "could not be reached" in result.message
