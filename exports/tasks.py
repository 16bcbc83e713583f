"""Celery tasks of the exports app: thin, they take an id and call the service.

``acks_late`` (the project default) with ``task_reject_on_worker_lost``: a worker that dies
mid-export leaves its message to be delivered again, and the runs are safe to repeat (a job already
done is left alone). One task is one school's export or one district workbook; both stream to disk,
so memory stays flat (performance §2.3, §6).
"""

from __future__ import annotations

from celery import shared_task

from . import services

# A 1,500-student school takes seconds; a district of 100 schools a few minutes.
SOFT_LIMIT = 900
HARD_LIMIT = 960


@shared_task(name="exports.run_export", acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def run_export(job_id: int) -> int:
    services.export_run(job_id)
    return job_id


@shared_task(name="exports.run_district_workbook", acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def run_district_workbook(workbook_id: int) -> int:
    services.district_workbook_run(workbook_id)
    return workbook_id
