"""On PostgreSQL, a stored webhook request wakes the event applier at once.

A statement-level trigger on calls_webhookrequest NOTIFYs the channel the applier
LISTENs on (calls/events/wakeups.py). PostgreSQL delivers the notification when the
INSERT commits, and folds repeats within a transaction into one. The webhook's own
statement is unchanged. SQLite has no NOTIFY: there the applier polls.
"""

from django.db import migrations

CHANNEL = "pbxportal_webhooks"  # calls.events.wakeups.CHANNEL, frozen here

CREATE = f"""
CREATE OR REPLACE FUNCTION pbxportal_webhook_stored() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER calls_webhookrequest_notify AFTER INSERT ON calls_webhookrequest
FOR EACH STATEMENT EXECUTE FUNCTION pbxportal_webhook_stored();
"""
DROP = """
DROP TRIGGER IF EXISTS calls_webhookrequest_notify ON calls_webhookrequest;
DROP FUNCTION IF EXISTS pbxportal_webhook_stored();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("calls", "0012_leaner_call_indexes")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
