"""Helpers shared by test modules of both API families."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def basic(username: str, secret: str) -> str:
    """An ``Authorization`` value: GRS sends the password at login, the apiToken after."""
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


def run_concurrently(jobs: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run each job in its own thread (so on its own database connection), all released
    at once; their results in job order. A job that raised leaves its exception there."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except Exception as exc:  # handed to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a job hung"
    return results
