import codecs
import csv
import io
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events import rules
from events.services import calendar_events_import

FORMATS = ("json", "csv")
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


class _CountingReader(io.RawIOBase):
    """The file as it is read, counting bytes for the progress bar."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n


_SPACE = re.compile(r"[ \t\n\r]*")
MAX_ITEM_CHARS = 1 << 20


def json_items(stream: io.BufferedReader, chunk: int = 1 << 16) -> Iterator[Any]:
    """The items of a JSON array, one at a time, in memory bounded by a read chunk and
    the largest item (at most MAX_ITEM_CHARS). Each item is decoded by the json module,
    exactly as json.loads would (ijson's fast backend turns a lone surrogate into "?"
    and refuses integers beyond 64 bits, which the batch's rules must see as sent)."""
    decode = json.JSONDecoder().raw_decode
    text = codecs.getincrementaldecoder("utf-8-sig")()
    buf, pos, eof = "", 0, False

    def fill() -> None:
        nonlocal buf, pos, eof
        data = stream.read(chunk)
        eof = not data
        try:
            buf = buf[pos:] + text.decode(data, final=eof)
        except UnicodeDecodeError:
            raise CommandError("The file is not valid UTF-8.") from None
        pos = 0

    def skip_space() -> str:
        """The next character that is not white space ("" at the end of the file)."""
        nonlocal pos
        while True:
            pos = _SPACE.match(buf, pos).end()
            if pos < len(buf) or eof:
                return buf[pos : pos + 1]
            fill()

    def invalid(what: str) -> CommandError:
        return CommandError(f"The file is not valid JSON: {what}.")

    if skip_space() != "[":
        raise CommandError("The file must hold a JSON array of calendar events.")
    pos += 1
    number, following = 0, skip_space()
    while following != "]":
        while True:
            try:
                item, end = decode(buf, pos)
            except ValueError:
                end = None
            # An item that ends where the text read so far ends may be cut short (a
            # number's digits, or the rest of the item): read on before deciding.
            if end is not None and (end < len(buf) or eof):
                break
            if eof:
                raise invalid(f"event {number + 1:,} is cut short or malformed")
            if len(buf) - pos > MAX_ITEM_CHARS:
                raise invalid(f"event {number + 1:,} is malformed or over 1 MB")
            fill()
        pos = end
        yield item
        number += 1
        following = skip_space()
        if following == ",":
            pos += 1
            skip_space()
        elif following != "]":
            raise invalid(f"a comma or ] is missing after event {number:,}")
    pos += 1
    if skip_space():
        raise invalid("there is more after the array")


def csv_items(stream: io.BufferedReader) -> Iterator[dict[str, Any]]:
    """Rows of a CSV file whose header row names the batch's fields (in any letter
    case). Integers in UserId and TypeId become numbers; an empty cell is a missing
    value, so the batch's own messages apply."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    header = {(name or "").strip().lower() for name in reader.fieldnames or []}
    missing = [f for f in sorted(rules.FIELDS) if f.lower() not in header]
    if missing:
        raise CommandError(f"The CSV header row lacks {', '.join(missing)}.")
    try:
        for row in reader:
            item = {}
            for key, value in row.items():
                if key is None or value is None or value == "":
                    continue  # extra cells without a header; a short row's missing cells
                key = key.strip()
                if key.lower() in ("userid", "typeid") and _INTEGER.fullmatch(value):
                    value = int(value)
                item[key] = value
            yield item
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CommandError(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None


class Command(BaseCommand):
    help = (
        "Upsert the calendar events in FILE (a JSON array of batch items, or CSV with a "
        "header row of the batch's field names) with the batch API's own rules: the whole "
        "file all or nothing, of any size. Every invalid event is named; nothing is then "
        "written and the exit status is 1."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=FORMATS, help="json or csv (default: from the file's suffix)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )

    def handle(self, *args, file: Path, format: str | None, dry_run: bool, **options) -> None:
        format = format or ("csv" if file.suffix.lower() == ".csv" else "json")
        try:
            raw = file.open("rb")
            size = file.stat().st_size
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        start = time.perf_counter()
        with raw:
            counting = _CountingReader(raw)
            stream = io.BufferedReader(counting, buffer_size=1 << 16)
            items = json_items(stream) if format == "json" else csv_items(stream)
            bar = tqdm(
                total=size,
                unit="B",
                unit_scale=True,
                desc="Importing",
                disable=not sys.stderr.isatty(),
                file=sys.stderr,
            )
            with bar:
                summary = calendar_events_import(
                    items=items,
                    dry_run=dry_run,
                    on_failure=self.report,
                    on_chunk=lambda _: bar.update(counting.count - bar.n),
                )
        seconds = time.perf_counter() - start
        counts = f"({summary.new:,} new, {summary.updated:,} updated) in {seconds:.1f} s"
        if summary.failed:
            raise CommandError(
                f"Nothing was written: {summary.failed:,} of {summary.checked:,} events "
                f"are invalid ({seconds:.1f} s)."
            )
        if dry_run:
            self.stdout.write(
                f"Checked {summary.checked:,} events {counts}: all valid. "
                "Nothing was written (--dry-run)."
            )
            return
        self.stdout.write(f"Imported {summary.checked:,} events {counts}")

    def report(self, failure: dict[str, Any]) -> None:
        ext = failure["ExternalId"]
        name = f"ExternalId {ext!r}" if ext is not None else "no usable ExternalId"
        self.stderr.write(f"Event {failure['Item'] + 1:,} ({name}): {failure['ErrorMessage']}")
