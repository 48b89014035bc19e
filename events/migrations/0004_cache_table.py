from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    # The rate limits on the credential endpoints live in the database cache (shared by
    # every worker), so whatever migrates the database must also make its table.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("events", "0003_feedtoken")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
