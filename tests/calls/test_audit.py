"""The audit trail's sentences: who did what, with names of changed things, never secrets."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from calls import audit
from calls.models import AuditEntry, Call
from tests.factories import make_account, make_agent, make_contact, make_project, make_user

pytestmark = pytest.mark.django_db


def outbound_call(**changes) -> Call:
    agent = make_agent(make_project(region="RO"))
    agent.user.first_name, agent.user.last_name = "Ana", "Popescu"
    agent.user.save()
    return Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722000111",
        **changes,
    )


def test_a_started_call_says_who_dialled_whom():
    call = outbound_call()
    entry = audit.call_started(call)
    assert entry.summary == "Ana Popescu dialled 0722 000 111"
    assert entry.actor == call.agent.user
    assert (entry.action, entry.object_type, entry.object_id) == (
        "call.started",
        "calls.call",
        str(call.pk),
    )


def test_a_started_call_names_the_contact():
    call = outbound_call()
    call.contact = make_contact(call.project, "Ion Ionescu", "+40722000111")
    call.save()
    assert "(Ion Ionescu)" in audit.call_started(call).summary


def test_a_hangup_says_who_ended_it():
    call = outbound_call(status="canceled")
    supervisor = make_user("supervisor", first_name="Dan", last_name="Pop")
    entry = audit.call_hung_up(call, supervisor)
    assert entry.summary == "Dan Pop hung up the call to 0722 000 111"
    assert entry.data == {"status": "canceled"}


def test_hanging_up_a_queued_call_writes_who_hung_up_without_the_view():
    from calls.outbound.hangup import hangup

    call = outbound_call(status="queued")
    supervisor = make_user("supervisor", first_name="Dan", last_name="Pop")
    hangup(call=call, by=supervisor)
    [entry] = AuditEntry.objects.filter(action="call.hung_up")
    assert entry.actor == supervisor and entry.object_id == str(call.pk)
    assert entry.summary == "Dan Pop hung up the call to 0722 000 111"


def test_an_entry_keeps_the_address_it_came_from():
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    project = make_project()
    entry = audit.tokens_rotated(make_user("admin"), project, request)
    assert entry.remote_addr == "10.1.2.3"


def test_settings_diff_names_added_removed_and_changed_keys():
    before = {"project_id": 1, "webhook_signing_secret": "a", "gone": None}
    after = {"project_id": 1, "webhook_signing_secret": "b", "outbound_number": "+40"}
    assert audit.settings_diff(before, after) == [
        "gone",
        "outbound_number",
        "webhook_signing_secret",
    ]


def test_a_new_account_entry_lists_credential_names_only():
    account = make_account(api_token="tok-very-secret", api_key="key-very-secret")
    entry = audit.account_saved(None, account, created=True, credentials=["api_token", "api_key"])
    assert entry.action == "pbx_account.created" and entry.actor is None
    assert entry.data["credentials"] == ["api_key", "api_token"]
    assert "very-secret" not in entry.summary + str(entry.data)
    assert AuditEntry.objects.count() == 1


def test_a_tool_that_breaks_says_so_in_words_and_is_still_audited(caplog):
    from calls.vendor_tools import run_tool

    project = make_project()

    def broken():
        raise RuntimeError("pwd=very-secret")

    result = run_tool("send_test_event", project, broken)
    assert not result.ok and "server log" in result.message
    assert "very-secret" not in result.message and "Traceback" not in result.message
    entry = AuditEntry.objects.get(action="tool.send_test_event")
    assert entry.data == {"ok": False} and "Send test event" in entry.summary


def test_dialling_hanging_up_and_provisioning_through_the_product_are_audited(monkeypatch):
    from rest_framework.test import APIClient

    from calls.models import AuditEntry
    from calls.outbound.start import start_call
    from tests.factories import make_account, make_agent, make_user

    monkeypatch.setattr("calls.outbound.tasks.originate.delay", lambda call_id: None)
    agent = make_agent()
    call = start_call(agent=agent, number="0722123456").call
    api = APIClient()
    api.force_authenticate(agent.user)
    api.post(f"/api/v1/calls/{call.pk}/hangup/")
    admin = APIClient()
    admin.force_authenticate(make_user("admin"))
    account = make_account()
    admin.patch(
        f"/api/v1/pbx-accounts/{account.pk}/",
        {"credentials": {"api_token": "brand-new-secret"}},
        format="json",
    )
    summaries = list(AuditEntry.objects.order_by("id").values_list("summary", flat=True))
    assert any("dialled" in s for s in summaries)
    assert any("hung up" in s for s in summaries)
    assert any("api_token" in s for s in summaries)
    assert not any("brand-new-secret" in str(e.data) + e.summary for e in AuditEntry.objects.all())
