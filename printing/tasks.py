"""Celery tasks of the printing app: thin, they take a job id and call the job service.

``acks_late`` (also the project default) with ``task_reject_on_worker_lost``: a worker that dies
mid-book leaves its message to be delivered again, and ``job_run`` is safe to run twice. One task
is one class's book, well under the broker's visibility timeout; the worker's memory cap
(``worker_max_memory_per_child``) replaces a child after a large book (performance §1.3, §6).
"""

from __future__ import annotations

from celery import shared_task

from . import jobs

# A 45-student year book takes about 40 s on one core; ten minutes is a stuck render, not a slow one.
SOFT_LIMIT = 600
HARD_LIMIT = 660


@shared_task(name="printing.run_job", acks_late=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def run_job(job_id: int) -> int:
    jobs.job_run(job_id)
    return job_id
