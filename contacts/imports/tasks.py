"""Celery task of the contacts import: a thin wrapper taking the job's id."""

from __future__ import annotations

from celery import shared_task

from contacts.imports.processing import run_import


@shared_task(name="contacts.import_contacts", acks_late=True)
def import_contacts(job_id: int) -> str:
    """Runs only a job in state running; a redelivered message resumes after the last batch."""
    return run_import(job_id)
