"""Secrets out of log lines.

A feed's secret is its URL's path (calendar apps send no headers), so every line that
names a request's path would carry it: Django's "Not Found: <path>", the CSRF and 405
warnings, runserver's and gunicorn's access and error lines. One filter masks it in all
of them: on the handlers of settings.LOGGING and on gunicorn's own loggers
(gunicorn.conf.py). No Django import: gunicorn's configuration loads this too.
"""

from __future__ import annotations

import logging
import re

# Anything after /feeds/ up to a space, quote, slash, query or the end of the text: a
# garbage or percent-encoded secret is masked as well as a well-formed one.
FEED_SECRET = re.compile(r"(/feeds/)[^\s/?#'\"]+")


def redact(text: str) -> str:
    """``text`` with every feed secret shown as ``***`` (its ``.ics`` kept)."""
    return FEED_SECRET.sub(lambda m: "/feeds/***" + (".ics" if m[0].endswith(".ics") else ""), text)


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message names a feed secret; drops no record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
