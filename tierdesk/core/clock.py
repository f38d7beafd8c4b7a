"""The clock. Only services and tasks read it; pure functions take `now`.

`travel_to()` sets the clock for the current thread, so the demo loader can write a
realistic history (tickets opened days ago) through the ordinary services, and tests can
step over a reopen period without sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_local = threading.local()


def now() -> datetime:
    frozen = getattr(_local, "frozen", None)
    return frozen if frozen is not None else timezone.now()


@contextmanager
def travel_to(moment: datetime) -> Iterator[None]:
    """Within the block, `now()` answers `moment` (aware) in this thread."""
    if moment.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    previous = getattr(_local, "frozen", None)
    _local.frozen = moment
    try:
        yield
    finally:
        _local.frozen = previous
