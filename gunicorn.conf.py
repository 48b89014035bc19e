"""Gunicorn settings for serving for real (`make serve`, and the benchmark in bench/).

Gunicorn reads this file from the working directory by itself. Every value can be
overridden by the environment below or on the command line.
"""

import gc
import os
import shutil
import tempfile

from gunicorn.glogging import Logger

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendarsite.settings")

wsgi_app = "calendarsite.wsgi:application"
bind = [f"{os.getenv('HOST', '127.0.0.1')}:{os.getenv('PORT', '8000')}"]

# Sync workers: a batch is CPU and database work, done in one go; two per core is
# plenty, since each mostly waits on PostgreSQL for part of its request.
workers = int(os.getenv("WORKERS", "2"))
# gunicorn's sync worker, answering its own errors under /api/ and /grs/ in JSON.
worker_class = "calendarsite.gunicorn_worker.JsonErrorSyncWorker"

# Above the front's limits (deploy/nginx.conf: 8 KB per line, 32 KB of headers), which
# refuse first, in JSON; its X-Forwarded-For may add to a line the client sent.
limit_request_line = 16384
limit_request_fields = 32768  # gunicorn's maximum
limit_request_field_size = 16384

# Load Django once in the master and fork: workers start fast and share its pages.
# No database connection is opened at import time, so none is shared across the fork.
preload_app = True

# A 1000-event batch takes a fraction of a second; a worker silent for this long is stuck.
timeout = int(os.getenv("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = int(os.getenv("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10

# One shared control socket per home directory would clash between instances (serve and
# bench side by side); nothing here uses gunicornc.
control_socket_disable = True

accesslog = os.getenv("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"

# Metrics from every worker, added up (prometheus_client's multiprocess mode): each
# worker writes its values to files in this folder and /metrics reads them all. Set
# before Django (and so prometheus_client) is loaded; a fresh folder per server.
if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _METRICS_DIR = tempfile.mkdtemp(prefix="metrics-")
else:
    _METRICS_DIR = None  # the operator's: left as it is

# LOG_FORMAT=json: gunicorn's own lines (access, errors) as JSON objects too, like Django's.
JSON_LOGS = os.getenv("LOG_FORMAT", "text").strip().lower() == "json"
if JSON_LOGS:
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "calendarsite.logs.JsonFormatter"}},
        "handlers": {
            "json": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["json"], "propagate": False},
            "gunicorn.access": {"handlers": ["json"], "propagate": False},
        },
    }


class RedactingLogger(Logger):
    """Access log lines that carry no credential: 12Twenty API keys travel in the query
    string (generateAuthenticationToken?key=), feed secrets in the path and GRS tokens in
    the Authorization header. So the query string, the referer, the environ and the
    Authorization header are left out and feed secrets masked, in every atom a format
    could name."""

    HIDDEN_HEADERS = ("{authorization}i", "{referer}i", "{cookie}i")

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # Error lines ("Error handling request <uri>", "Invalid request ...: <request
        # line>") name the path too. Imported here: the config file is read before
        # gunicorn puts the project on sys.path.
        from calendarsite.logredact import RedactSecrets

        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time) -> dict:
        from calendarsite.logredact import redact

        atoms = super().atoms(resp, req, environ, request_time)
        atoms = {k: v for k, v in atoms.items() if not k.endswith("}e")}
        path = redact(atoms["U"] or "")
        atoms.update(U=path, q="", f="-", r=f"{atoms['m']} {path} {atoms['H']}")
        atoms.update(dict.fromkeys((h for h in self.HIDDEN_HEADERS if h in atoms), "-"))
        return atoms

    def access(self, resp, req, environ, request_time) -> None:
        if not (JSON_LOGS and self.access_log_enabled):
            super().access(resp, req, environ, request_time)
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {
            "method": atoms["m"],
            "path": atoms["U"],
            "status": resp.status_code,
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "request_id": atoms.get("{x-request-id}o", "-"),
        }
        self.access_log.info("%s %s %s", atoms["m"], atoms["U"], atoms["s"], extra=fields)


logger_class = RedactingLogger
loglevel = os.getenv("LOG_LEVEL", "info").lower()


def on_starting(server) -> None:
    # DEBUG keeps every SQL query in memory and shows stack traces to clients:
    # never serve with it on.
    from django.conf import settings

    if settings.DEBUG:
        raise SystemExit("Refusing to serve with DEBUG on: unset DEBUG.")


def on_exit(server) -> None:
    if _METRICS_DIR:
        shutil.rmtree(_METRICS_DIR, ignore_errors=True)


def child_exit(server, worker) -> None:
    # A worker's counters stay counted after it exits (recycled by max_requests).
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def pre_fork(server, worker) -> None:
    # Django is loaded once, in the master (preload_app). Frozen out of the garbage
    # collector's sight, it is not rescanned by each worker's full collections (~30 ms
    # each, about once every 25 batches: the batch's p95), and its pages stay shared.
    gc.freeze()
