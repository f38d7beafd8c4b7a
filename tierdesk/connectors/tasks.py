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
