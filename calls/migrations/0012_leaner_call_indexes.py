"""Fewer indexes on calls_call, and one for "is this agent on a call?".

Every call is written about seven times (start, claim, ringing, answered, ended...) and
each write updates every index of the table: 22 of them before this migration. Five
were single-column copies of a composite index that starts with the same column
(agent_id, project_id, requested_at: call_agent_status and 0007's call_hist_*), one
was call_hist_project read backwards (call_project_recent), and PostgreSQL's LIKE
companions of remote_number and vendor_call_id served no query (the history's partial
number search has its trigram index).

call_agent_active holds only calls in progress. The check before every start ("has
this agent a call in progress?") read every call the agent ever had through
call_idempotency_unique; now it reads at most one entry.

The old indexes are dropped by name, not by AlterField: Django's schema editor takes
any single-column index on agent_id for the field's own, and would have dropped the
partial unique index call_one_active_outbound with it.
"""

import django.db.models.deletion
from django.db import migrations, models

TERMINAL = ["busy", "canceled", "completed", "failed", "missed", "no_answer"]
# column -> the index Django made for its db_index=True (0001), named by its own hash of
# table and column; PostgreSQL also made a "_like" companion for the text columns.
FIELD_INDEXES = {
    "agent_id": ["calls_call_agent_id_bc37e002"],
    "project_id": ["calls_call_project_id_deae655e"],
    "requested_at": ["calls_call_requested_at_a4da95f7"],
    "remote_number": [
        "calls_call_remote_number_2e6e7cde",
        "calls_call_remote_number_2e6e7cde_like",
    ],
    "vendor_call_id": [
        "calls_call_vendor_call_id_fe84a5a8",
        "calls_call_vendor_call_id_fe84a5a8_like",
    ],
}


def drop_field_indexes(apps, schema_editor):
    for names in FIELD_INDEXES.values():
        for name in names:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_field_indexes(apps, schema_editor):
    for column, names in FIELD_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(names[0])} "
            f"ON calls_call ({column})"
        )


def _field(name, field):
    return migrations.AlterField(model_name="call", name=name, field=field)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0011_one_active_outbound_call"),
        ("contacts", "0003_field_labels"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="call", name="call_project_recent"),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_field_indexes, create_field_indexes)],
            state_operations=[
                _field(
                    "agent",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="calls",
                        to="calls.agent",
                        verbose_name="agent",
                    ),
                ),
                _field(
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="calls",
                        to="calls.project",
                        verbose_name="project",
                    ),
                ),
                _field("remote_number", models.CharField(max_length=20, verbose_name="number")),
                _field(
                    "requested_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="requested at"),
                ),
                _field(
                    "vendor_call_id",
                    models.CharField(
                        blank=True, default="", max_length=128, verbose_name="vendor call id"
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="call",
            index=models.Index(
                condition=models.Q(("status__in", TERMINAL), _negated=True),
                fields=["agent"],
                name="call_agent_active",
            ),
        ),
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["remote_number"], name="call_remote_number"),
        ),
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["vendor_call_id"], name="call_vendor_call_id"),
        ),
    ]
