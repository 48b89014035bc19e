"""Where a 1000-event batch spends its time inside Django, without HTTP or gunicorn.

    .venv/bin/pip install pyinstrument   # ad hoc: the suite does not need it
    .venv/bin/python bench/profile_batch.py [--requests 100] [--pass update|insert]

Runs `make bench`'s fixtures (BENCH_DATABASE_URL, after `make bench` ran once), then
the same update (or insert) pass through Django's WSGI handler, middleware included,
under pyinstrument, and prints the profile's top lines and each request's mean time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from batch import BATCH_PATH, make_batch  # noqa: E402
from common import DEFAULT_URL  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--pass", dest="which", choices=["update", "insert"], default="update")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML here")
    parser.add_argument(
        "--no-profiler",
        action="store_true",
        help="time only, e.g. under `py-spy record -o out.svg -- python bench/profile_batch.py`",
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = os.getenv("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "calendarsite.settings"
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection

    from events.models import ApiToken, CalendarEvent  # noqa: F401 (import cost not profiled)
    from events.services import api_token_issue

    out = io.StringIO()
    call_command("seed_bench", stdout=out)  # batch.py's fixtures
    fixtures = json.loads(out.getvalue().strip().splitlines()[-1])
    token = api_token_issue(key=fixtures["key"])
    first = make_batch("prof", fixtures["students"], 0)
    second = make_batch("prof", fixtures["students"], 1)
    app = WSGIHandler()

    def put(body: bytes) -> None:
        environ = {
            "REQUEST_METHOD": "PUT",
            "PATH_INFO": BATCH_PATH,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        statuses = []
        chunks = app(environ, lambda status, headers: statuses.append(status))
        b"".join(chunks)
        if not statuses[0].startswith("200"):
            raise RuntimeError(statuses[0])

    def prepare() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM events_calendarevent WHERE external_id = ANY(%s)", [first.ids]
            )
        if args.which == "update":
            put(first.body)

    for _ in range(3):  # warm up
        prepare()
        put(second.body)
    if args.no_profiler:
        profiler = None
    else:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    total = 0.0
    for _ in range(max(1, args.requests)):
        prepare()
        began = time.perf_counter()
        if profiler:
            profiler.start()
        put(second.body if args.which == "update" else first.body)  # the timed request
        if profiler:
            profiler.stop()
        total += time.perf_counter() - began
    print(f"{args.which} pass: {total / args.requests * 1000:.1f} ms per request\n")
    if profiler is None:
        return 0
    print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
