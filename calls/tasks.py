"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="calls.ping", ignore_result=False)
def ping(value: str) -> str:
    """Round-trip check for operators and tests: proves a worker consumes the queue."""
    return f"pong:{value}"
