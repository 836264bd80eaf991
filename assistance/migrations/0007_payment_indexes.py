"""Payment indexes: (batch_id, id) replaces the single-column index on batch_id, and the one on
scheme_id goes.

- (batch_id, id) gives a batch's payments in id order, as its list pages read them. With the old
  index, a page of a million-payment batch walked the primary key through every older batch (1 s a page
  at 3M payments).
- payment_scheme_hh_idx leads with scheme_id and serves its lookups and its foreign-key checks. A payout
  rewrites every index of each row it pays, so an index less is a write less.

Only indexes change: AlterField alone would also drop and re-add both foreign keys, which re-validates
every payment row under an exclusive lock. The dropped names are Django's own for these fields, the
same on PostgreSQL and SQLite. On a live database the new index can be made first with
`CREATE INDEX CONCURRENTLY payment_batch_id_idx ON assistance_payment (batch_id, id)`; this migration
then finds it.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = ["assistance_payment_batch_id_36b31f46", "assistance_payment_scheme_id_c9322ae9"]
NEW = 'CREATE INDEX IF NOT EXISTS "payment_batch_id_idx" ON "assistance_payment" ("batch_id", "id")'


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
                migrations.AddIndex(
                    model_name="payment",
                    index=models.Index(fields=["batch", "id"], name="payment_batch_id_idx"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [NEW, *[f'DROP INDEX IF EXISTS "{name}"' for name in INDEXES]],
                    reverse_sql=[
                        'DROP INDEX IF EXISTS "payment_batch_id_idx"',
                        f'CREATE INDEX IF NOT EXISTS "{INDEXES[0]}" ON "assistance_payment" ("batch_id")',
                        f'CREATE INDEX IF NOT EXISTS "{INDEXES[1]}" ON "assistance_payment" ("scheme_id")',
                    ],
                ),
            ],
        ),
    ]
