"""The business-time engine is plain Python, checked rather than promised.

The package calendars/engine/ (business_time.py, timezones.py) imports nothing from Django,
a Django library or the project's other modules: the import-linter contract in
pyproject.toml says so and `lint-imports` checks every import, direct or through another
module. What static analysis cannot see (an import inside a function the contract misses,
the tzdata read through importlib.resources) the second test sees: a fresh interpreter
computes with the engine and no Django module is loaded.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_the_engine_imports_nothing_from_django_or_the_apps():
    result = subprocess.run(  # noqa: S603 (our own interpreter and tool)
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout, result.stdout


ENGINE_RUN = """
import sys
from datetime import UTC, datetime

from calendars.engine import business_time as bt
from calendars.engine.timezones import java_zone

spec = bt.CalendarSpec(
    week_starts=2, week_ends=6, day_starts_hour=9, day_starts_min=0,
    day_ends_hour=17, day_ends_min=0, tz=java_zone("America/Vancouver"),
)
bt.add(spec, datetime(2026, 11, 30, 12, tzinfo=UTC), 30 * 60)
bt.duration(spec, datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
java_zone("EST"), java_zone("SystemV/PST8PDT")
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {"django", "rest_framework", "calendarsite", "events"}
    or (name.startswith("calendars.") and name.split(".")[1] != "engine")
)
print(loaded)
"""


def test_the_engine_runs_without_loading_django():
    result = subprocess.run(  # noqa: S603 (our own interpreter and tool)
        [sys.executable, "-c", ENGINE_RUN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
