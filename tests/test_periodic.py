"""The beat: each periodic job is enqueued once per interval, however many workers tick."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tierdesk.core import clock, periodic
from tierdesk.core.models import PeriodicLease

JOB = periodic.Job("test.job", "tierdesk.notify.tasks:sweep_outbox_task", 60)


@pytest.mark.django_db
def test_a_job_is_claimed_once_per_interval():
    now = timezone.now()
    # given two workers ticking at the same moment
    first = periodic.claim(JOB, now=now)
    second = periodic.claim(JOB, now=now)
    # then only the first claims it, and nobody before the interval has passed
    assert (first, second) == (True, False)
    assert periodic.claim(JOB, now=now + timedelta(seconds=59)) is False
    # when the interval has passed, it is due again, once
    later = now + timedelta(seconds=60)
    assert periodic.claim(JOB, now=later) is True
    assert periodic.claim(JOB, now=later) is False
    assert PeriodicLease.objects.get(name="test.job").next_run_at == later + timedelta(seconds=60)


@pytest.mark.django_db
def test_tick_enqueues_every_due_job_once():
    # when the beat ticks twice at the same moment
    with clock.travel_to(timezone.now()):
        first = periodic.tick()
        second = periodic.tick()
    # then each job was enqueued exactly once, as a task on the database queue
    assert sorted(first) == sorted(job.name for job in periodic.jobs())
    assert second == []
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == sorted(job.task().module_path for job in periodic.jobs())


@pytest.mark.django_db(transaction=True)
def test_racing_workers_claim_once():
    if connection.vendor != "postgresql":
        pytest.skip("threads with their own connections race for real on PostgreSQL")
    now = timezone.now()
    periodic.claim(JOB, now=now - timedelta(seconds=120))  # the lease row exists, due now
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            results.append(periodic.claim(JOB, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
