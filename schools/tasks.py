"""Celery tasks of the schools app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from . import audit


@shared_task(name="schools.seal_audit_chain")
def seal_audit_chain() -> int:
    """Append the history written since the last run to the audit chain (beat: hourly)."""
    return len(audit.seal_audit_chain())
