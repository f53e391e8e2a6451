"""The suite's one race harness: racers in their own threads (each with its own database
connection, closed when it finishes), released together at a barrier.

A racer is a function that gets ready (a client signed in, a fresh copy of its row), calls the
`ready()` it is given, and then acts; what it returns, or the exception it raised, comes back in
order. Nothing a racer raises is lost: the main thread's assertions see it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

Racer = Callable[[Callable[[], None]], Any]


@dataclass
class Finish:
    value: Any = None
    error: BaseException | None = None

    @property
    def won(self) -> bool:
        return self.error is None


def race(*racers: Racer, timeout: float = 30.0) -> list[Finish]:
    """Run the racers at once; their finishes in the racers' order."""
    barrier = threading.Barrier(len(racers))
    finishes = [Finish() for _ in racers]

    def run(index: int, racer: Racer) -> None:
        try:
            finishes[index].value = racer(lambda: barrier.wait(timeout=10))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread's assertions
            finishes[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, racer)) for i, racer in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return finishes
