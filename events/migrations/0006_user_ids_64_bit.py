"""auth_user.id and every column referring to it become bigint (PostgreSQL), keeping the
data: 12Twenty's UserId is 64-bit. See calendarsite/userids.py. Rewrites those tables
(calendar events included) under an exclusive lock: on a large database, run it in a
maintenance window."""

from django.db import migrations

from calendarsite.userids import widen_user_columns


def widen(apps, schema_editor):
    widen_user_columns(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_start_time_order_index"),
        ("calendars", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Narrowing back could fail on ids beyond 32 bits: the reverse keeps bigint.
    operations = [migrations.RunPython(widen, migrations.RunPython.noop, elidable=False)]
