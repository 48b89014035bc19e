"""Run Debian's pgbouncer in transaction pooling mode in front of a PostgreSQL database,
for the tests and the benchmark (bench/batch.py --pgbouncer). Production runs pgbouncer
as a service of its own; docs/serving.md has its configuration.

    with pgbouncer(database_url) as url:   # url: the same database, via pgbouncer
        ...
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Transaction pooling: a server connection is lent to a client for one transaction only,
# so session state (session advisory locks, prepared statements, WITH HOLD cursors,
# SET) does not survive from one transaction to the next.
CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/users.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
pidfile = {dir}/pgbouncer.pid
logfile = {dir}/pgbouncer.log
admin_users = {user}
"""


def binary() -> str:
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def pgbouncer(database_url: str, *, pool_size: int = 2) -> Iterator[str]:
    """pgbouncer on a free loopback port, pooling at most ``pool_size`` server
    connections per database and user: fewer than the app's clients, so that they do
    share them. Yields ``database_url`` pointed at it; stops it and removes its
    directory (config, log) on the way out."""
    target = urlsplit(database_url)
    user = target.username or "postgres"
    port = free_port()
    # In /tmp itself: run as root, pgbouncer runs as postgres, who must reach it.
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    config = directory / "pgbouncer.ini"
    config.write_text(
        CONFIG.format(
            host=target.hostname or "127.0.0.1",
            port=target.port or 5432,
            listen_port=port,
            dir=directory,
            pool_size=pool_size,
            user=user,
        )
    )
    # pgbouncer will not run as root; the Debian package's user (postgres) is used then.
    command = [binary(), str(config)]
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
        for path in directory.iterdir():
            shutil.chown(path, "postgres")
        command.insert(1, "--user=postgres")
    process = subprocess.Popen(  # noqa: S603 - the system's pgbouncer, our config
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it logs to its logfile too
        start_new_session=True,
    )
    try:
        _wait_listening(port, process, directory)
        netloc = target.netloc.rsplit("@", 1)
        auth = netloc[0] + "@" if len(netloc) == 2 else ""
        yield urlunsplit(target._replace(netloc=f"{auth}127.0.0.1:{port}"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _wait_listening(port: int, process: subprocess.Popen, directory: Path) -> None:
    for _ in range(100):
        if process.poll() is not None:
            log = directory / "pgbouncer.log"
            raise RuntimeError("pgbouncer exited: " + (log.read_text() if log.exists() else ""))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pgbouncer did not listen within 10 s")
