"""The contractor's own job number on a fault (issue 10 item 2).

Unique per contractor where it is set (a partial unique index led by the job number, so it
also answers the API's `contractor_reference=` filter), its timeline event kind, and on
PostgreSQL a trigram index for the fault list's search, as 0009 made for the description
and location (`icontains` is `UPPER(col) LIKE UPPER('%…%')`).
"""

from django.db import migrations, models

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS fault_contractor_reference_trgm ON facilities_fault "
    "USING gin (upper(contractor_reference::text) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS fault_contractor_reference_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("facilities", "0014_merge_api_tokens")]

    operations = [
        migrations.AddField(
            model_name="fault",
            name="contractor_reference",
            field=models.CharField(
                blank=True, default="", max_length=50, verbose_name="contractor's job number"
            ),
        ),
        migrations.AlterField(
            model_name="faultevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("logged", "Logged"),
                    ("routed", "Routed to contractor"),
                    ("unrouted", "No contract covers this fault"),
                    ("acknowledged", "Acknowledged"),
                    ("attended", "Attended"),
                    ("made_safe", "Made safe"),
                    ("fixed", "Fixed"),
                    ("closed", "Confirmed and closed"),
                    ("reopened", "Reopened"),
                    ("cancelled", "Cancelled"),
                    ("on_hold", "On hold"),
                    ("resumed", "Resumed"),
                    ("awaiting_parts", "Awaiting parts"),
                    ("priority_changed", "Priority changed"),
                    ("reassigned", "Reassigned"),
                    ("breached", "Service level breached"),
                    ("at_risk", "At risk"),
                    ("escalated", "Escalated"),
                    ("comment", "Comment"),
                    ("hold_requested", "Hold requested (no access)"),
                    ("hold_approved", "Hold request approved"),
                    ("hold_refused", "Hold request refused"),
                    ("disputed", "Breach disputed"),
                    ("dispute_accepted", "Dispute accepted: breach waived"),
                    ("dispute_rejected", "Dispute rejected"),
                    ("job_number", "Contractor's job number"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="fault",
            constraint=models.UniqueConstraint(
                condition=models.Q(("contractor_reference", ""), _negated=True),
                fields=("contractor_reference", "contractor"),
                name="fault_contractor_reference_unique",
                violation_error_message="Another fault of this contractor already has this "
                "contractor's job number.",
            ),
        ),
        migrations.RunPython(_run(CREATE), _run(DROP)),
    ]
