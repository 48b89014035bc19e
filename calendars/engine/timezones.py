"""The time-zone IDs GRS accepts, which are Java 17's, and their rules as Java applies them.

``timeZoneId`` must be one of ``java.util.TimeZone.getAvailableIDs()`` (JDK 17): the IANA zones
and links plus Java's legacy IDs. ``tzdata/java_zones.json``, generated from Java by
``tzdata/generate.py``, maps each to what Java computes with: a region (``PST`` is
America/Los_Angeles), a fixed offset (``EST`` is -05:00 all year) or, for the ``SystemV/*DT``
IDs that tzdata lacks, Java's own POSIX rule.

Regions are read from the pinned ``tzdata`` package, not the host's /usr/share/zoneinfo (which
``ZoneInfo(key)`` prefers), so that every machine computes the same offsets. Where that tzdata
is newer than the JDK's (2025a), it wins: e.g. from November 2026 it keeps America/Vancouver on
-07:00 where Java 17.0.15 says -08:00.

Plain Python, no Django: the business-time engine uses it too.
"""

import datetime
import functools
import io
import json
import struct
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

_ZONES: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "tzdata" / "java_zones.json").read_text("utf-8")
)["zones"]

JAVA_ZONE_IDS: frozenset[str] = frozenset(_ZONES)


def is_java_zone_id(value: object) -> bool:
    """Whether ``value`` is exactly (case included) an ID Java 17 lists."""
    return isinstance(value, str) and value in JAVA_ZONE_IDS


class JavaZone(ZoneInfo):
    """A ZoneInfo named by its Java ID (``str(java_zone("PST")) == "PST"``).

    Built from a file, so it pickles by its Java ID, which ZoneInfo cannot do on its own.
    """

    def __reduce__(self):
        return java_zone, (self.key,)


@functools.cache
def java_zone(zone_id: str) -> datetime.tzinfo:
    """The tzinfo giving the UTC offsets Java gives ``zone_id``; KeyError if Java lacks the ID."""
    mapping = _ZONES[zone_id]
    if "offset" in mapping:
        return datetime.datetime.strptime(mapping["offset"], "%z").tzinfo
    return JavaZone.from_file(io.BytesIO(_tzif(mapping)), key=zone_id)


def _tzif(mapping: dict[str, str]) -> bytes:
    if "zone" in mapping:
        return files("tzdata").joinpath("zoneinfo", *mapping["zone"].split("/")).read_bytes()
    return _tzif_of_rule(mapping["posix"])


@functools.cache
def transition_seconds(zone_id: str) -> tuple[int, ...] | None:
    """The explicit transition times (UTC epoch seconds, sorted) of the TZif data that
    ``java_zone(zone_id)`` reads; None for a fixed offset. After the last one the file's
    POSIX rule (its footer) applies: the business-time engine reads transitions from here
    rather than probing the zone day by day."""
    mapping = _ZONES[zone_id]
    if "offset" in mapping:
        return None
    data = _tzif(mapping)
    # RFC 8536: a v1 header and data block, then (version 2+) a header and 64-bit data.
    counts = struct.unpack(">6l", data[20:44])
    isut, isstd, leap, time_count, type_count, char_count = counts
    skip = 44 + time_count * 5 + type_count * 6 + char_count + leap * 8 + isstd + isut
    if data[4:5] == b"\0" or data[skip : skip + 4] != b"TZif":
        return tuple(struct.unpack(f">{time_count}l", data[44 : 44 + 4 * time_count]))
    time_count = struct.unpack(">l", data[skip + 32 : skip + 36])[0]
    return tuple(struct.unpack(f">{time_count}q", data[skip + 44 : skip + 44 + 8 * time_count]))


def _tzif_of_rule(posix: str) -> bytes:
    """A TZif file (RFC 8536) with no transitions, so readers apply its footer's POSIX rule at
    every instant."""
    header = b"TZif2" + bytes(15) + struct.pack(">6l", 0, 0, 0, 0, 1, 1)
    data = struct.pack(">lBB", 0, 0, 0) + b"\0"  # one unused local time type, one empty name
    return header + data + header + data + b"\n" + posix.encode() + b"\n"
