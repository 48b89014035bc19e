"""Log lines as JSON (LOG_FORMAT=json): one object per line, for log shippers.

Only the record's own text and a few plain fields are written, never the objects a
record may carry (Django's django.request records carry the whole request, headers and
all): credentials travel in headers, query strings and feed paths.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

from calendarsite.ops import RequestIdFilter

__all__ = ["JsonFormatter", "RequestIdFilter"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in ("method", "path", "status", "duration_ms"):  # gunicorn's access lines
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()
