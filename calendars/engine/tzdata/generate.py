"""Freeze what JDK 17 does with time-zone IDs into the two JSON files beside this script.

Regenerate (needs JDK 17's ``javac`` and ``java`` on PATH, or JAVA_HOME naming a JDK 17), from
the repository root, then run ``make test`` and commit both JSON files:

    .venv/bin/python calendars/engine/tzdata/generate.py

- ``java_zones.json``: every ID of ``java.util.TimeZone.getAvailableIDs()`` and what
  ``calendars.engine.timezones.java_zone`` makes of it: ``{"offset": "-05:00"}`` when Java's
  rules for it never change, ``{"zone": "Asia/Kolkata"}`` for the region ``TimeZone.toZoneId()``
  names (read from the pinned ``tzdata`` package), or ``{"posix": "..."}`` with Java's own rule
  when tzdata has no such region (the ``SystemV/*DT`` IDs: US daylight time of 1976, last
  Sunday of April to last Sunday of October, kept forever; only Java's 1974-75 emergency daylight
  time is left out).
- ``java_offsets_sample.json``: Java's total UTC offset, in seconds, of every ID at the instants
  below; tests/timezones checks that Python computes the same, so CI needs no Java.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Mid-winter and mid-summer, and just at or after the 2025 daylight-time changes.
INSTANTS = [
    "2024-01-15T12:00:00Z",
    "2024-07-15T12:00:00Z",
    "2025-01-15T12:00:00Z",
    "2025-03-09T07:00:00Z",  # US Eastern daylight time starts, to the second
    "2025-03-09T12:00:00Z",  # every US zone on daylight time
    "2025-03-30T01:00:00Z",  # EU summer time starts, to the second
    "2025-04-06T12:00:00Z",  # Australia, New Zealand and Chile back on standard time
    "2025-04-27T12:00:00Z",  # SystemV daylight time started (last Sunday of April)
    "2025-07-15T12:00:00Z",
    "2025-10-05T12:00:00Z",  # Australia on daylight time (New Zealand since 28 September)
    "2025-10-26T01:00:00Z",  # EU summer time ends, to the second
    "2025-10-26T12:00:00Z",  # SystemV daylight time ended (last Sunday of October)
    "2025-11-02T06:00:00Z",  # US Eastern daylight time ends, to the second
    "2025-11-02T12:00:00Z",  # every US zone on standard time
    "2026-01-15T12:00:00Z",
    "2026-07-15T12:00:00Z",
]


def java_tool(name: str) -> str:
    home = os.environ.get("JAVA_HOME")
    tool = str(Path(home, "bin", name)) if home else shutil.which(name)
    if not tool:
        sys.exit(f"{name} not found: put JDK 17 on PATH or set JAVA_HOME")
    return tool


def run_java() -> list[list[str]]:
    with tempfile.TemporaryDirectory() as classes:
        # The arguments are this script's own constants, not outside input.
        subprocess.run(  # noqa: S603
            [java_tool("javac"), "-d", classes, str(HERE / "JavaZoneIds.java")], check=True
        )
        output = subprocess.run(  # noqa: S603
            [java_tool("java"), "-cp", classes, "JavaZoneIds", *INSTANTS],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return [line.split("\t") for line in output.splitlines()]


def in_tzdata(region: str) -> bool:
    return files("tzdata").joinpath("zoneinfo", *region.split("/")).is_file()


def mapping(region: str, fixed: str, posix: str) -> dict[str, str]:
    if fixed != "-":
        seconds = int(fixed)
        sign = "-" if seconds < 0 else "+"
        return {"offset": f"{sign}{abs(seconds) // 3600:02d}:{abs(seconds) // 60 % 60:02d}"}
    if in_tzdata(region):
        return {"zone": region}
    if posix != "-":
        return {"posix": posix}
    sys.exit(f"{region}: neither in tzdata nor expressible as a POSIX rule")


def write(path: Path, meta: dict, name: str, rows: dict) -> None:
    """JSON with one line per ID, so that a regeneration reads well as a diff."""
    head = "".join(f"  {json.dumps(key)}: {json.dumps(value)},\n" for key, value in meta.items())
    body = ",\n".join(f"    {json.dumps(key)}: {json.dumps(rows[key])}" for key in sorted(rows))
    path.write_text(f"{{\n{head}  {json.dumps(name)}: {{\n{body}\n  }}\n}}\n")


def main() -> None:
    (_, java_version, tzdb), *lines = run_java()
    if not java_version.startswith("17."):
        sys.exit(f"Java {java_version} is not JDK 17")
    meta = {"java": java_version, "tzdb": tzdb}
    zones = {zone_id: mapping(region, fixed, posix) for zone_id, region, fixed, posix, _ in lines}
    offsets = {line[0]: [int(seconds) for seconds in line[4].split(",")] for line in lines}
    write(HERE / "java_zones.json", meta, "zones", zones)
    write(HERE / "java_offsets_sample.json", {**meta, "instants": INSTANTS}, "offsets", offsets)
    print(f"{len(zones)} IDs from Java {java_version} (tzdb {tzdb})")


if __name__ == "__main__":
    main()
