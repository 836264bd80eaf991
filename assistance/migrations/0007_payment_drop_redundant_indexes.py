"""Drop the single-column indexes on payment.batch_id and payment.scheme_id: the composite indexes
payment_batch_status_idx and payment_scheme_hh_idx lead with those columns and serve the same lookups
(and the foreign-key checks when a batch or scheme is deleted), and a payout rewrites every index of
each row it pays.

Only the indexes are dropped: AlterField alone would also drop and re-add both foreign keys, which
re-validates every payment row under an exclusive lock. The index names are Django's own for these
fields, the same on PostgreSQL and SQLite.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = ["assistance_payment_batch_id_36b31f46", "assistance_payment_scheme_id_c9322ae9"]


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0006_household_tally"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="payment",
                    name="batch",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="payments", to="assistance.batch", verbose_name="批次"),
                ),
                migrations.AlterField(
                    model_name="payment",
                    name="scheme",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="+", to="assistance.scheme", verbose_name="救助项目"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES],
                    reverse_sql=[
                        f'CREATE INDEX IF NOT EXISTS "{INDEXES[0]}" ON "assistance_payment" ("batch_id")',
                        f'CREATE INDEX IF NOT EXISTS "{INDEXES[1]}" ON "assistance_payment" ("scheme_id")',
                    ],
                ),
            ],
        ),
    ]
