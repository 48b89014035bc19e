"""Starting the app's processes for a while and stopping them after: one helper for the
tests that talk to a served instance (tests/served.py) and the HTTP benchmarks
(bench/common.py). Plain Python, no pytest and no Django, so both can import it.

    with gunicorn(["--bind", f"127.0.0.1:{port}"], env, log, ready=lambda: listening(port)):
        ...   # gunicorn with the project's gunicorn.conf.py, answering on ``port``

Each process gets a session (a process group) of its own, so that stopping it also
stops what it started (gunicorn's workers, nginx's).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from deploy.pgbouncer import free_port

ROOT = Path(__file__).resolve().parent.parent
__all__ = ["ROOT", "free_port", "gunicorn", "listening", "started", "stop", "wait_for"]


class NotServing(RuntimeError):
    """The process exited, or did not answer in time; the message ends with its log."""


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Graceful stop (SIGTERM), then kill the whole process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_for(
    check: Callable[[], bool], process: subprocess.Popen, what: str, log: Path, seconds=60
) -> None:
    """Until ``check()`` is true (an OSError counts as not yet); NotServing if the
    process exits first or the time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NotServing(f"{what} exited: " + log.read_text())
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise NotServing(f"{what} did not answer: " + log.read_text())


@contextmanager
def started(
    command: list[str],
    *,
    env: dict[str, str] | None,
    log: Path,
    ready: Callable[[], bool],
    what: str,
    stop_timeout: float = 30,
) -> Iterator[subprocess.Popen]:
    """``command`` run from the repo root, its output appended to ``log``; yielded once
    ``ready()``, stopped after (also on error)."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our interpreter or the system's nginx
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    try:
        wait_for(ready, process, what, log)
        yield process
    finally:
        stop(process, timeout=stop_timeout)


def served_env(env: dict[str, str]) -> dict[str, str]:
    """The environment a served instance runs in: this one, production's settings module,
    DEBUG off, then ``env``."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "calendarsite.settings",
        "DEBUG": "false",
        **env,
    }


@contextmanager
def gunicorn(
    args: list[str], env: dict[str, str], log: Path, ready: Callable[[], bool]
) -> Iterator[subprocess.Popen]:
    """One gunicorn: gunicorn.conf.py applies and ``args`` win over it."""
    command = [sys.executable, "-m", "gunicorn", *args]
    with started(command, env=served_env(env), log=log, ready=ready, what="gunicorn") as process:
        yield process
