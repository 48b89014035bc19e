"""Load a realistic store fast, to measure what the service costs as it fills up.

On PostgreSQL the events are written by one set-based INSERT ... SELECT over
generate_series (about a minute for 2 million); elsewhere (SQLite) with bulk_create,
for small stores.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from events.models import CalendarEvent

STUDENT_PREFIX = "scale-student-"
EVENT_PREFIX = "scale-"
SPAN_DAYS = 4 * 365  # events start within two years either side of now
TOMBSTONE_EVERY = 50  # 2% of events are deleted
WORDS = ["Finance", "Marketing", "Accounting", "Strategy", "Career fair", "Networking"]
LONG_EVERY = 1000  # one event in a thousand lasts days (a trip, a fair), not hours
# Building an index once after a big load is several times faster than updating it row
# by row (the trigram index above all): past this many events, the secondary indexes
# are dropped and built again, in the same transaction.
REBUILD_INDEXES_FROM = 100_000


class Command(BaseCommand):
    help = "Add N events spread over M students (scale-student-1..M, created if missing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--events", type=int, required=True)
        parser.add_argument("--students", type=int, required=True)

    def handle(self, *args, events: int, students: int, **options) -> None:
        if events < 0 or students < 1:
            raise CommandError("--events must be 0 or more and --students 1 or more.")
        started = time.monotonic()
        with transaction.atomic():
            student_ids = self.students(students)
            first = CalendarEvent.objects.filter(external_id__startswith=EVENT_PREFIX).count() + 1
            if connection.vendor == "postgresql":
                with self.indexes_rebuilt(events >= REBUILD_INDEXES_FROM):
                    self.events_sql(first, events, student_ids)
            else:
                self.events_orm(first, events, student_ids)
        if connection.vendor == "postgresql":
            # Fresh statistics, and a visibility map for index-only scans (VACUUM cannot
            # run inside a transaction, as under tests).
            vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cursor:
                cursor.execute(f"{vacuum} {CalendarEvent._meta.db_table}")
        self.stdout.write(
            f"Added {events} events for {students} students in {time.monotonic() - started:.1f} s."
        )

    def students(self, count: int) -> list[int]:
        User = get_user_model()
        existing = set(
            User.objects.filter(username__startswith=STUDENT_PREFIX).values_list(
                "username", flat=True
            )
        )
        missing = [
            User(username=f"{STUDENT_PREFIX}{n}", password="!")  # unusable
            for n in range(1, count + 1)
            if f"{STUDENT_PREFIX}{n}" not in existing
        ]
        User.objects.bulk_create(missing, batch_size=5000)
        names = [f"{STUDENT_PREFIX}{n}" for n in range(1, count + 1)]
        found = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        return [found[name] for name in names]

    @contextmanager
    def indexes_rebuilt(self, rebuild: bool) -> Iterator[None]:
        if not rebuild:
            yield
            return
        table = CalendarEvent._meta.db_table
        with connection.cursor() as cursor:
            # Every index but those behind constraints (primary key, unique ExternalId).
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i"
                " WHERE i.tablename = %s AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            found = cursor.fetchall()
            for name, _ in found:
                cursor.execute(f'DROP INDEX "{name}"')
            yield
            # The user foreign key is checked at commit; an index cannot be built while
            # those checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, definition in found:
                cursor.execute(definition)

    def events_sql(self, first: int, count: int, student_ids: list[int]) -> None:
        table = CalendarEvent._meta.db_table
        now = timezone.now()
        # Each row from its number i: a student, a type, a start on a 5-minute grid, a
        # duration of 30 minutes to 3 hours (or days, rarely), stamps in the past, and
        # every 50th a tombstone.
        sql = f"""
            INSERT INTO {table} (external_id, user_id, type_id, start_time, end_time, title,
                                 created_at, updated_at, deleted_at)
            SELECT %(prefix)s || s.i,
                   (%(students)s::int[])[1 + (s.i * 7919) %% %(n_students)s],
                   1 + s.i %% 3,
                   s.start_time,
                   s.start_time + CASE WHEN s.i %% {LONG_EVERY} = 0
                       THEN (1 + s.i %% 5) * interval '1 day'
                       ELSE (1 + s.i %% 6) * interval '30 minutes' END,
                   'Course ' || upper(substr(md5(s.i::text), 1, 6)) || ': '
                       || (%(words)s::text[])[1 + s.i %% {len(WORDS)}] || ' ' || (1 + s.i %% 4),
                   s.stamp, s.stamp, CASE WHEN s.i %% {TOMBSTONE_EVERY} = 0 THEN s.stamp END
            FROM (
                -- random() in this select list is drawn for each row (an uncorrelated
                -- LATERAL subquery would be run once, giving every row the same times).
                SELECT i,
                    %(base)s + floor(random() * {SPAN_DAYS * 288}) * interval '5 minutes'
                        AS start_time,
                    %(now)s - random() * interval '730 days' AS stamp
                FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i
            ) AS s
        """  # noqa: S608 (only constants in the f-string)
        params = {
            "prefix": EVENT_PREFIX,
            "students": student_ids,
            "n_students": len(student_ids),
            "words": WORDS,
            "first": first,
            "last": first + count - 1,
            "base": now - timedelta(days=SPAN_DAYS // 2),
            "now": now,
        }
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def events_orm(self, first: int, count: int, student_ids: list[int]) -> None:
        now = timezone.now()
        rng = random.Random(first)  # noqa: S311 (made-up data)
        base = now - timedelta(days=SPAN_DAYS // 2)
        rows = []
        for i in range(first, first + count):
            start = base + timedelta(minutes=5 * rng.randrange(SPAN_DAYS * 288))
            length = (
                timedelta(days=1 + i % 5)
                if i % LONG_EVERY == 0
                else timedelta(minutes=30 * (1 + i % 6))
            )
            stamp = now - timedelta(days=730 * rng.random())
            rows.append(
                CalendarEvent(
                    external_id=f"{EVENT_PREFIX}{i}",
                    user_id=student_ids[(i * 7919) % len(student_ids)],
                    type_id=1 + i % 3,
                    start_time=start,
                    end_time=start + length,
                    title=f"Course {i:06X}: {WORDS[i % len(WORDS)]} {1 + i % 4}",
                    created_at=stamp,
                    updated_at=stamp,
                    deleted_at=stamp if i % TOMBSTONE_EVERY == 0 else None,
                )
            )
        # Model.save() would stamp updated_at with now; bulk_create keeps ours.
        CalendarEvent.objects.bulk_create(rows, batch_size=2000)
