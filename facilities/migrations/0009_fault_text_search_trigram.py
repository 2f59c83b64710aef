"""Trigram indexes for the fault list's text search, on PostgreSQL only.

`icontains` becomes `UPPER(col) LIKE UPPER('%…%')`; a GIN trigram index on the same
expression answers it without reading the whole table. SQLite (the local default) has no
such index and needs none at demo scale.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS fault_description_trgm ON facilities_fault "
    "USING gin (upper(description) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS fault_location_trgm ON facilities_fault "
    "USING gin (upper(location::text) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS fault_description_trgm",
    "DROP INDEX IF EXISTS fault_location_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("facilities", "0008_fault_list_indexes_and_report_emails")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
