"""Periodic care (Celery beat): calls nobody ended, lost originate messages, silent PBXs,
the webhook log's age, the event backlog; and /healthz, which reports that backlog."""
