"""The business-time engine: working time over a calendar's week, exceptions and Java time zone.

Plain Python, no Django: ``business_time`` answers the questions (is it working time, the
next working instant, add working minutes, the working minutes between two instants) and
``timezones`` gives the zones as Java 17 applies them, from ``tzdata/java_zones.json`` and the
pinned ``tzdata`` package. The modules here may import each other and nothing from Django, a
Django library or the rest of the project: the import-linter contract in pyproject.toml and
tests/test_architecture.py check it, so the engine can be used (and benchmarked) on its own.
"""
