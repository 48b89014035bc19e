"""Gunicorn's sync worker, except that the errors gunicorn answers itself (a malformed
request line or header, too many or too large headers) are answered under /api/ and
/grs/ in the family's JSON shape instead of gunicorn's HTML page.

Gunicorn answers those before any Django code runs, and when it cannot parse a request
it has no request object either, so the path is read from the first bytes it received.
Other paths keep gunicorn's page. gunicorn.conf.py names this worker class.
"""

from __future__ import annotations

import json
import threading

from gunicorn import util
from gunicorn.http import message, parser
from gunicorn.workers.sync import SyncWorker

_html_write_error = util.write_error
_failing = threading.local()  # the path of the request being answered with an error

MESSAGES = {
    400: "Bad request.",
    403: "Forbidden.",
    414: "Request line is too long.",
    417: "Expectation failed.",
    431: "Request headers are too large.",
    500: "Internal server error.",
    501: "Transfer coding not supported.",
}


class Request(message.Request):
    """Keeps the bytes read, and hands itself to the error it raises, so that a request
    refused while parsing still has a path."""

    def read_into(self, unreader, buf, stop=False):
        self.raw = buf
        return super().read_into(unreader, buf, stop)

    def parse(self, unreader):
        try:
            return super().parse(unreader)
        except Exception as exc:
            exc.partial_request = self
            raise


def path_of(req: object, exc: BaseException) -> str:
    for candidate in (req, getattr(exc, "partial_request", None)):
        path = getattr(candidate, "path", None)
        if path:
            return path
        raw = getattr(candidate, "raw", None)
        if raw:
            words = bytes(raw[:1024]).split(b"\n", 1)[0].split()
            if len(words) > 1:
                return words[1].decode("latin-1").split("?", 1)[0]
    return ""


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    # Imported here: gunicorn loads the worker class before the Django app.
    from calendarsite.api import EVENTS, EVENTS_HEADERS, JSON_UTF8, MESSAGE_KEY, family_for_path

    family = family_for_path(getattr(_failing, "path", ""))
    if family is None:
        return _html_write_error(sock, status_int, reason, mesg)
    text = MESSAGES.get(status_int, f"{reason}.")
    body = json.dumps({MESSAGE_KEY[family]: text}).encode()
    # 12Twenty's answers carry the vendor's headers (calendarsite/api.py, events_headers).
    headers = (
        {"Content-Type": JSON_UTF8, **EVENTS_HEADERS}
        if family == EVENTS
        else {"Content-Type": "application/json", "Cache-Control": "no-cache"}
    )
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        + f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorSyncWorker(SyncWorker):
    def handle_error(self, req, client, addr, exc):
        _failing.path = path_of(req, exc)
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            _failing.path = ""


# The sync worker builds its parser as gunicorn.http.RequestParser and gunicorn's base
# worker writes its error pages with gunicorn.util.write_error: both are swapped here.
# Importing this module (naming the worker class) is what installs them.
parser.RequestParser.mesg_class = Request
util.write_error = write_error
