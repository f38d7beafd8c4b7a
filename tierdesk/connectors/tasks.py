"""Background work of the connectors: one attempt of a job, and the sweep.

| task | does |
|---|---|
| `run_job_task(job_id)` | the due attempt of a job, unless another worker has it (`jobs.run`) |
| `sweep_jobs_task()` | queue due attempts whose task went missing (`jobs.sweep`) |
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_job_task(job_id: int) -> str | None:
    from tierdesk.connectors import jobs

    return jobs.run(job_id)


@task()
def sweep_jobs_task() -> int:
    from tierdesk.connectors import jobs

    return jobs.sweep()


@task()
def prune_connectors_task() -> dict[str, int]:
    """The exchange log and finished jobs past their retention (`connectors.retention`;
    the beat's `connectors.prune`, hourly)."""
    from tierdesk.connectors.retention import prune_connectors
    from tierdesk.core import clock

    return prune_connectors(now=clock.now())
