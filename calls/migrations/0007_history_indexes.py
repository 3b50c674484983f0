"""Indexes for the call history at 1,000,000 calls (see docs/benchmarks.md, "Call history").

Keyset pages read ``ORDER BY requested_at DESC, id DESC`` after a (requested_at, id)
cursor, so every index ends in (requested_at, id): the page is an index range scan that
stops after 51 rows, whatever the filter and however deep the page.

- call_hist_time    (requested_at, id)            no filter / date range only
- call_hist_agent   (agent_id, requested_at, id)  "Agent" filter and every agent's own history
- call_hist_status  (status, requested_at, id)    "Status" filter (+ date range)
- call_hist_project (project_id, requested_at, id) "Project" filter (3 projects: the existing
  (project, requested_at) index needs a sort for the id tie-break)
- call_hist_duration (duration DESC NULLS LAST, id DESC)  "Longest first"
- call_hist_number_trgm GIN trigram on remote_number (PostgreSQL only): a partial number
  ("722 123") is a LIKE '%…%' that no B-tree can serve.
- contact_name_trgm GIN trigram on UPPER(contacts_contact.name) (PostgreSQL only): the
  "Contact" name search; a specific name then costs ~1 ms instead of a scan of contacts.
The last three are PostgreSQL-only.

They are raw SQL with no model state on purpose: calls/models/call.py belongs to the
model layer, and these exist only for the history's queries. SQLite gets the B-trees too.
"""

from django.db import migrations

BTREES = {
    "call_hist_time": "(requested_at, id)",
    "call_hist_agent": "(agent_id, requested_at, id)",
    "call_hist_status": "(status, requested_at, id)",
    "call_hist_project": "(project_id, requested_at, id)",
}
# PostgreSQL only: SQLite refuses NULLS LAST in an index, and needs no such speed.
PG_ONLY = {
    "call_hist_duration": "ON calls_call (duration DESC NULLS LAST, id DESC)",
    "call_hist_number_trgm": "ON calls_call USING gin (remote_number gin_trgm_ops)",
    # The "Contact" filter is name__icontains, i.e. UPPER(name::text) LIKE UPPER('%…%').
    "contact_name_trgm": "ON contacts_contact USING gin (UPPER(name::text) gin_trgm_ops)",
}


def create(apps, schema_editor):
    for name, columns in BTREES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON calls_call {columns}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, definition in PG_ONLY.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    for name in [*BTREES, *PG_ONLY]:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("calls", "0006_supervision_models"), ("contacts", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
