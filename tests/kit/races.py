"""Races on real threads and real transactions, for the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, transaction


def at_once(*, hold: Callable[[], object], calls: list[Callable[[], object]], settle=0.5) -> list:
    """Run each callable on its own thread and database connection, all released together
    while `hold()` (in this thread's transaction) keeps a row they need locked, so every call
    is in flight before any proceeds. Returns what each returned, or the exception it raised.
    """
    results: list = [None] * len(calls)
    ready = threading.Barrier(len(calls) + 1)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            ready.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    with transaction.atomic():
        hold()
        for thread in threads:
            thread.start()
        ready.wait(timeout=10)
        threading.Event().wait(settle)  # every call now waits on the held row (or has run)
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a call was still running after 30 s"
    return results
