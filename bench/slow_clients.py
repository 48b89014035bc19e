"""Probe latency with and without slow clients: straight at gunicorn, and through the
README's serve command (nginx in front of gunicorn instances, deploy/serve.py).

    .venv/bin/python bench/slow_clients.py [--probes 40] [--slow 6]

Against BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench, migrated:
run bench/batch.py once first). Each setup gets the same number of workers in total
(2); the probe is GET /grs/v1/tenants without credentials (401, one small query),
one at a time. Slow clients send a request's headers (or a batch's body) one byte
every 0.5 s. A probe that waits more than 10 s counts as 10 s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.pgbouncer import free_port  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"
PROBE_TIMEOUT = 10.0
SLOW_HEADERS = b"GET /grs/v1/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 500
SLOW_BODY = (
    b"PUT /api/v2/calendar-events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + b"[" * 500
)


def probe(port: int) -> float:
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        conn.request("GET", "/grs/v1/tenants", headers={"Connection": "close"})
        conn.getresponse().read()
    except OSError:
        return PROBE_TIMEOUT
    finally:
        conn.close()
    return time.monotonic() - start


def trickle(port: int, data: bytes, until: threading.Event) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            for byte in data:
                if until.wait(0.5):
                    return
                conn.sendall(bytes([byte]))
    except OSError:
        pass


def measure(port: int, probes: int, slow: int) -> tuple[list[float], list[float]]:
    for _ in range(4):
        probe(port)  # the workers' first requests open their database connections
    quiet = [probe(port) for _ in range(probes)]
    until = threading.Event()
    jobs = [SLOW_HEADERS if i % 3 != 2 else SLOW_BODY for i in range(slow)]
    threads = [threading.Thread(target=trickle, args=(port, d, until)) for d in jobs]
    for thread in threads:
        thread.start()
    time.sleep(1)
    busy = [probe(port) for _ in range(probes)]
    until.set()
    for thread in threads:
        thread.join()
    return quiet, busy


def wait_listening(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            time.sleep(0.5)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--slow", type=int, default=6)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": os.getenv("BENCH_DATABASE_URL", DEFAULT_URL),
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        "GUNICORN_ACCESSLOG": "",
        "ACCESS_LOG": "",
    }
    results = []
    port = free_port()
    run = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    setups = [
        ("gunicorn alone, 2 workers", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
         {"PORT": str(port), "WORKERS": "2"}),
        ("make serve: nginx + 2 instances x 1 worker", [sys.executable, "deploy/serve.py"],
         {"PORT": str(port), "INSTANCES": "2", "WORKERS": "1", "RUN_DIR": str(run),
          "BACKEND_PORTS": f"{free_port()},{free_port()}"}),
    ]  # fmt: skip
    for label, command, extra in setups:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**env, **extra}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            wait_listening(port)
            results.append((label, *measure(port, args.probes, args.slow)))
        finally:
            process.terminate()
            process.wait(timeout=60)
    shutil.rmtree(run, ignore_errors=True)
    print(f"probe latency, ms ({args.probes} probes; {args.slow} slow clients)")
    print(
        f"{'':44} {'quiet p50':>10} {'p99':>8} {'slow p50':>10} {'p99':>8} {'max':>8} {'> 2 s':>6}"
    )
    for label, quiet, busy in results:
        print(
            f"{label:44} {statistics.median(quiet) * 1000:10.1f} {pct(quiet, 0.99):8.1f}"
            f" {statistics.median(busy) * 1000:10.1f} {pct(busy, 0.99):8.1f}"
            f" {max(busy) * 1000:8.1f} {sum(t > 2 for t in busy):6d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
