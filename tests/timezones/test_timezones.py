import datetime
import json
import pickle
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendars.engine.timezones import JAVA_ZONE_IDS, is_java_zone_id, java_zone

TZDATA = Path(__file__).parents[2] / "calendars" / "engine" / "tzdata"
SAMPLE = json.loads((TZDATA / "java_offsets_sample.json").read_text())


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def offset_hours(zone_id: str, instant: str) -> float:
    return utc(instant).astimezone(java_zone(zone_id)).utcoffset().total_seconds() / 3600


@pytest.mark.parametrize(
    "zone_id",
    ["PST", "IST", "EST", "CTT", "AET", "SystemV/EST5", "SystemV/EST5EDT", "America/New_York"],
)
def test_ids_java_lists_are_accepted(zone_id):
    assert is_java_zone_id(zone_id)


@pytest.mark.parametrize(
    "zone_id",
    [
        "Factory",
        "localtime",
        "GMT+05:30",
        "GMT+0",
        "ROC",  # tzdata has it, Java leaves it out
        "America/Coyhaique",  # tzdata 2025b, newer than this JDK's 2025a
        "america/new_york",
        "pst",
        " PST",
        "",
    ],
)
def test_ids_java_lacks_are_refused(zone_id):
    assert not is_java_zone_id(zone_id)
    with pytest.raises(KeyError):
        java_zone(zone_id)


@pytest.mark.parametrize("value", [None, 7, 7.5, True, b"PST", ["PST"], {"id": "PST"}])
def test_non_strings_are_refused(value):
    assert not is_java_zone_id(value)


def test_ids_are_exactly_the_ones_java_printed():
    assert isinstance(JAVA_ZONE_IDS, frozenset)
    assert set(SAMPLE["offsets"]) == JAVA_ZONE_IDS
    assert len(JAVA_ZONE_IDS) == 631


def test_every_id_resolves_to_a_tzinfo():
    for zone_id in JAVA_ZONE_IDS:
        zone = java_zone(zone_id)
        assert isinstance(zone, ZoneInfo | datetime.timezone), zone_id
        assert zone.utcoffset(datetime.datetime(2025, 6, 1, tzinfo=zone)) is not None


def test_offsets_are_the_ones_java_computed():
    """Java's offsets at every sample instant (frozen by tzdata/generate.py, so CI needs no Java).

    The samples stop at July 2026: tzdata releases after this JDK's 2025a changed some zones
    from then on (see test_regions_follow_the_pinned_tzdata).
    """
    instants = [utc(text) for text in SAMPLE["instants"]]
    mismatches = {}
    for zone_id, java_offsets in SAMPLE["offsets"].items():
        zone = java_zone(zone_id)
        python_offsets = [int(i.astimezone(zone).utcoffset().total_seconds()) for i in instants]
        if python_offsets != java_offsets:
            mismatches[zone_id] = (java_offsets, python_offsets)
    assert mismatches == {}


@pytest.mark.parametrize(
    "zone_id, instant, hours",
    [
        ("PST", "2025-07-15T12:00:00Z", -7),  # America/Los_Angeles, daylight time
        ("PST", "2025-01-15T12:00:00Z", -8),
        ("IST", "2025-07-15T12:00:00Z", 5.5),
        ("EST", "2025-07-15T12:00:00Z", -5),  # fixed: no daylight time, unlike EST5EDT
        ("MST", "2025-07-15T12:00:00Z", -7),
        ("HST", "2025-07-15T12:00:00Z", -10),
        ("SystemV/EST5", "2025-07-15T12:00:00Z", -5),
        # SystemV/*DT keep the US rule of 1976: last Sunday of April to last Sunday of October.
        ("SystemV/EST5EDT", "2025-04-20T12:00:00Z", -5),  # New York is already on -4
        ("SystemV/EST5EDT", "2025-04-27T07:00:00Z", -4),  # 02:00 local, last Sunday of April
        ("SystemV/EST5EDT", "2025-10-26T05:59:59Z", -4),
        ("SystemV/EST5EDT", "2025-10-26T06:00:00Z", -5),  # 02:00 local, last Sunday of October
        ("SystemV/PST8PDT", "2025-11-01T12:00:00Z", -8),  # Los Angeles is still on -7
    ],
)
def test_legacy_ids_give_javas_offsets(zone_id, instant, hours):
    assert offset_hours(zone_id, instant) == hours


def test_fixed_offset_ids_are_plain_timezones():
    assert java_zone("EST") == datetime.timezone(datetime.timedelta(hours=-5))
    assert java_zone("Etc/GMT+5") == datetime.timezone(datetime.timedelta(hours=-5))
    assert java_zone("UTC") == datetime.UTC


def test_regions_follow_the_pinned_tzdata():
    # tzdata 2026 keeps British Columbia on -07 from November 2026. Java 17.0.15's 2025a (and
    # Debian's /usr/share/zoneinfo 2025b, which ZoneInfo(key) would prefer) still say -08.
    assert offset_hours("America/Vancouver", "2027-01-15T12:00:00Z") == -7
    assert offset_hours("Canada/Pacific", "2027-01-15T12:00:00Z") == -7


def test_local_times_in_a_rule_zone_resolve_like_zoneinfo():
    zone = java_zone("SystemV/EST5EDT")
    ambiguous = datetime.datetime(2025, 10, 26, 1, 30, tzinfo=zone)
    assert ambiguous.utcoffset() == datetime.timedelta(hours=-4)
    assert ambiguous.replace(fold=1).utcoffset() == datetime.timedelta(hours=-5)
    assert datetime.datetime(2025, 4, 27, 2, 30, tzinfo=zone).utcoffset() == datetime.timedelta(
        hours=-5
    )


def test_zones_are_cached_and_named_and_pickled_by_java_id():
    zone = java_zone("PST")
    assert java_zone("PST") is zone
    assert str(zone) == "PST"
    # ZoneInfo read from a file refuses to pickle; a JavaZone pickles as its Java ID.
    moment = datetime.datetime(2025, 7, 15, 12, tzinfo=zone)
    assert pickle.loads(pickle.dumps(moment)).tzinfo is zone  # noqa: S301 (our own bytes)
    rule_zone = java_zone("SystemV/EST5EDT")
    assert pickle.loads(pickle.dumps(rule_zone)) is rule_zone  # noqa: S301
