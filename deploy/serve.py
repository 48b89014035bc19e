"""Serve the site as production does, on one machine: nginx in front of INSTANCES
independent gunicorn instances (`make serve` runs this after migrating).

    HOST=127.0.0.1 PORT=8000 INSTANCES=2 WORKERS=2 .venv/bin/python deploy/serve.py

Each instance is a gunicorn master of its own (gunicorn.conf.py, WORKERS sync workers) on
a loopback port of its own (BACKEND_PORTS, default PORT+1, PORT+2, ...); nginx listens on
HOST:PORT and balances over them (deploy/nginx.conf, rendered into RUN_DIR). Everything
runs in the foreground, as any user: nginx gets its own prefix, pid file and temp
directories under RUN_DIR. An instance that dies is started again; SIGTERM or SIGINT stops
everything (nginx first, so no request is accepted that no instance will answer).
docs/serving.md explains the design.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"


def envint(name: str, default: int) -> int:
    return int(os.getenv(name, str(default)))


def nginx_binary() -> str:
    # Debian installs it in /usr/sbin, which is not on every user's PATH.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx)")
    return found


def render_nginx_conf(
    *, run: Path, host: str, port: int, backends: list[int], access_log: str
) -> str:
    fields = {
        "RUN": str(run),
        "HOST": host,
        "PORT": str(port),
        "NGINX_WORKERS": os.getenv("NGINX_WORKERS", "1"),
        # Run as root (a container), the master hands its workers to an unprivileged user.
        "USER": "user nobody nogroup;" if os.geteuid() == 0 else "",
        "ERROR_LEVEL": os.getenv("NGINX_ERROR_LEVEL", "crit"),
        "MAX_BODY": os.getenv("MAX_REQUEST_BYTES", "2621440"),
        "READ_TIMEOUT": f"{envint('GUNICORN_TIMEOUT', 30) + 5}s",
        "INSTANCES": str(len(backends)),
        "ACCESS_LOG": f"{access_log} redacted" if access_log else "off",
        "UPSTREAMS": "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in backends
        ),
    }
    text = TEMPLATE.read_text()
    for name, value in fields.items():
        text = text.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", text.split("\n\n", 1)[1])  # past the header comment
    assert not left, f"unfilled fields in deploy/nginx.conf: {left}"
    return text


def nginx_command(run: Path) -> list[str]:
    """nginx in the foreground, on the config rendered into ``run``, logging to stderr."""
    conf = str(run / "nginx.conf")
    return [nginx_binary(), "-p", str(run), "-c", conf, "-e", "stderr", "-g", "daemon off;"]


class Stack:
    """nginx and the gunicorn instances, as child processes each in a session of its own
    (an instance is killed with its workers by killing its process group)."""

    def __init__(self) -> None:
        self.host = os.getenv("HOST", "127.0.0.1")
        self.port = envint("PORT", 8000)
        instances = envint("INSTANCES", 2)
        default_ports = ",".join(str(self.port + 1 + i) for i in range(instances))
        self.backends = [int(p) for p in os.getenv("BACKEND_PORTS", default_ports).split(",")]
        self.run = Path(os.getenv("RUN_DIR", ROOT / "run")).resolve()
        self.instances: dict[int, subprocess.Popen] = {}
        self.nginx: subprocess.Popen | None = None
        self.stopping = False

    def prepare(self) -> None:
        self.run.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            # nginx's workers (user nobody) write request bodies to temp dirs in here.
            self.run.chmod(0o755)
        conf = render_nginx_conf(
            run=self.run,
            host=self.host,
            port=self.port,
            backends=self.backends,
            access_log=os.getenv("ACCESS_LOG", "/dev/stdout"),
        )
        (self.run / "nginx.conf").write_text(conf)

    def start_instance(self, port: int) -> None:
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            # The front is one proxy: the client's address is the last X-Forwarded-For entry.
            "NUM_PROXIES": os.getenv("NUM_PROXIES", "1"),
            # nginx's access log is the one (redacted the same way); set it to keep both.
            "GUNICORN_ACCESSLOG": os.getenv("GUNICORN_ACCESSLOG", ""),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                   "--pid", str(self.run / f"instance-{port}.pid")]  # fmt: skip
        self.instances[port] = subprocess.Popen(  # noqa: S603 - our interpreter, fixed args
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, start_new_session=True
        )

    def wait_listening(self, port: int, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            process = self.instances[port]
            if process.poll() is not None:
                raise SystemExit(f"instance on port {port} exited ({process.returncode})")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"instance on port {port} did not listen within {seconds:.0f} s")

    def start(self) -> None:
        self.prepare()
        for port in self.backends:
            self.start_instance(port)
        for port in self.backends:
            self.wait_listening(port)
        self.nginx = subprocess.Popen(  # noqa: S603 - the system's nginx, our config
            nginx_command(self.run), stdin=subprocess.DEVNULL, start_new_session=True
        )
        print(
            f"serving on http://{self.host}:{self.port}/ (nginx) in front of"
            f" {len(self.backends)} gunicorn instances on ports"
            f" {', '.join(map(str, self.backends))}",
            file=sys.stderr,
            flush=True,
        )

    def supervise(self) -> int:
        """Until nginx exits or we are told to stop: start again an instance that died."""
        while not self.stopping:
            if self.nginx.poll() is not None:
                return self.nginx.returncode or 1
            for port, process in list(self.instances.items()):
                if process.poll() is not None and not self.stopping:
                    print(f"instance on port {port} exited ({process.returncode}); starting it",
                          file=sys.stderr, flush=True)  # fmt: skip
                    self.start_instance(port)
            time.sleep(0.2)
        return 0

    def stop(self, *_: object) -> None:
        self.stopping = True

    def shutdown(self) -> None:
        self.stopping = True
        if self.nginx and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)  # graceful: finish what it has accepted
        for process in self.instances.values():
            if process.poll() is None:
                process.terminate()  # gunicorn: graceful stop of its workers
        for process in [self.nginx, *self.instances.values()]:
            if process is None:
                continue
            try:
                process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main() -> int:
    stack = Stack()
    signal.signal(signal.SIGTERM, stack.stop)
    signal.signal(signal.SIGINT, stack.stop)
    try:
        stack.start()
        return stack.supervise()
    finally:
        stack.shutdown()


if __name__ == "__main__":
    sys.exit(main())
