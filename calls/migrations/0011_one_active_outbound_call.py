"""One outbound call in progress per agent, as a partial unique index.

Before the index is built, older duplicates (which the old row-lock code should never
have let in) are closed as failed, so the migration cannot fail on existing data.
"""

from django.db import migrations, models

TERMINAL = ["busy", "canceled", "completed", "failed", "missed", "no_answer"]


def close_older_duplicates(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    active = Call.objects.filter(direction="outbound", agent__isnull=False).exclude(
        status__in=TERMINAL
    )
    seen = set()
    for call in active.order_by("agent_id", "-requested_at", "-id").only("pk", "agent_id"):
        if call.agent_id in seen:
            Call.objects.filter(pk=call.pk).update(
                status="failed",
                failure_reason="Closed by an upgrade: a newer call of this agent was in progress.",
            )
        seen.add(call.agent_id)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0010_webhook_queue"),
        ("contacts", "0003_field_labels"),
    ]

    operations = [
        migrations.RunPython(close_older_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("direction", "outbound"), models.Q(("status__in", TERMINAL), _negated=True)
                ),
                fields=("agent",),
                name="call_one_active_outbound",
            ),
        ),
    ]
