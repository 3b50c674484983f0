"""Upgrading to one-call-per-agent never fails on existing data and keeps the newest call."""

import pytest

from tests.migration_steps import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("calls", "0010_webhook_queue")]
AFTER = [("calls", "0011_one_active_outbound_call")]


def test_an_agent_with_two_calls_in_progress_keeps_the_newest_after_the_upgrade():
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("auth", "User")
        PbxAccount = apps.get_model("calls", "PbxAccount")
        Project = apps.get_model("calls", "Project")
        Agent = apps.get_model("calls", "Agent")
        Call = apps.get_model("calls", "Call")
        account = PbxAccount.objects.create(name="pbx", vendor="sandbox", base_url="http://x")
        project = Project.objects.create(name="p", pbx_account=account)
        agent = Agent.objects.create(
            user=User.objects.create(username="ana"), project=project, extension="101"
        )
        older, newer, ended = (
            Call.objects.create(
                project=project, agent=agent, direction="outbound", remote_number=n, status=s
            )
            for n, s in (
                ("+40722000001", "answered"),
                ("+40722000002", "queued"),
                ("+40722000003", "completed"),
            )
        )
        apps = migrate(AFTER)
        Call = apps.get_model("calls", "Call")
        statuses = dict(Call.objects.values_list("pk", "status"))
        assert statuses == {older.pk: "failed", newer.pk: "queued", ended.pk: "completed"}
        assert "newer call" in Call.objects.get(pk=older.pk).failure_reason
    finally:
        migrate_to_latest()
