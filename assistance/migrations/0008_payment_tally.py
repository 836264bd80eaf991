"""A per-(batch, region, category, status) count and sum of payments, kept by statement-level triggers.

PostgreSQL only. Each INSERT, UPDATE or DELETE statement on assistance_payment adds its net change
per key in ONE upsert, with the keys in sorted order. Two writers of the same batch therefore take the
tally rows' locks in the same order and cannot deadlock on them: a payout chunk against a re-issue, say.
Because negative changes also go through the upsert, there is no CHECK (PostgreSQL tests a CHECK on
the proposed row before ON CONFLICT). An UPDATE that changes none of the key columns or the amount, such
as a retry's attempt count, touches nothing. Other databases keep no tally; the selectors group the
payments instead (assistance.selectors.payment_totals).
"""

import django.db.models.deletion
from django.db import migrations, models

TALLY = "assistance_paymenttally"
KEY = "batch_id, region_id, category, status"
UPSERT = (f"ON CONFLICT ({KEY}) DO UPDATE SET payments = {TALLY}.payments + EXCLUDED.payments,"
          f" amount = {TALLY}.amount + EXCLUDED.amount")
CHANGED = "(o.batch_id, o.region_id, o.category, o.status, o.amount) IS DISTINCT FROM" \
          " (n.batch_id, n.region_id, n.category, n.status, n.amount)"

CREATE = f"""
CREATE FUNCTION assistance_payment_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TALLY} (batch_id, scheme_id, region_id, category, status, payments, amount)
        SELECT batch_id, MIN(scheme_id), region_id, category, status, COUNT(*), SUM(amount) FROM new_rows
        GROUP BY {KEY} ORDER BY {KEY}
        {UPSERT};
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {TALLY} (batch_id, scheme_id, region_id, category, status, payments, amount)
        SELECT batch_id, MIN(scheme_id), region_id, category, status, -COUNT(*), -SUM(amount) FROM old_rows
        GROUP BY {KEY} ORDER BY {KEY}
        {UPSERT};
    ELSE
        INSERT INTO {TALLY} (batch_id, scheme_id, region_id, category, status, payments, amount)
        SELECT d.batch_id, MIN(d.scheme_id), d.region_id, d.category, d.status, SUM(d.n), SUM(d.a)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        CROSS JOIN LATERAL (VALUES (n.batch_id, n.scheme_id, n.region_id, n.category, n.status, 1, n.amount),
                                   (o.batch_id, o.scheme_id, o.region_id, o.category, o.status, -1, -o.amount))
            AS d (batch_id, scheme_id, region_id, category, status, n, a)
        WHERE {CHANGED}
        GROUP BY d.batch_id, d.region_id, d.category, d.status HAVING SUM(d.n) <> 0 OR SUM(d.a) <> 0
        ORDER BY d.batch_id, d.region_id, d.category, d.status
        {UPSERT};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payment_tally_insert AFTER INSERT ON assistance_payment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION assistance_payment_tally();
CREATE TRIGGER payment_tally_delete AFTER DELETE ON assistance_payment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION assistance_payment_tally();
CREATE TRIGGER payment_tally_update AFTER UPDATE ON assistance_payment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION assistance_payment_tally();
CREATE FUNCTION assistance_payment_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TALLY};
    RETURN NULL;
END $$;
CREATE TRIGGER payment_tally_truncate AFTER TRUNCATE ON assistance_payment
    FOR EACH STATEMENT EXECUTE FUNCTION assistance_payment_tally_truncate();
INSERT INTO {TALLY} (batch_id, scheme_id, region_id, category, status, payments, amount)
    SELECT batch_id, MIN(scheme_id), region_id, category, status, COUNT(*), SUM(amount) FROM assistance_payment
    GROUP BY {KEY};
"""

DROP = """
DROP TRIGGER IF EXISTS payment_tally_insert ON assistance_payment;
DROP TRIGGER IF EXISTS payment_tally_delete ON assistance_payment;
DROP TRIGGER IF EXISTS payment_tally_update ON assistance_payment;
DROP TRIGGER IF EXISTS payment_tally_truncate ON assistance_payment;
DROP FUNCTION IF EXISTS assistance_payment_tally();
DROP FUNCTION IF EXISTS assistance_payment_tally_truncate();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0007_payment_indexes'),
        ('portal', '0004_resume_stalled_jobs_schedule'),
    ]

    operations = [
        migrations.CreateModel(
            name='PaymentTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('category', models.CharField(choices=[('dibao', '城乡低保'), ('tekun', '特困人员'), ('orphan', '孤儿'), ('low_income', '低收入家庭')], max_length=16)),
                ('status', models.CharField(choices=[('pending', '待发放'), ('paid', '已发放'), ('failed', '发放失败'), ('cancelled', '已取消')], max_length=16)),
                ('payments', models.BigIntegerField(default=0)),
                ('amount', models.BigIntegerField(default=0)),
                ('batch', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='assistance.batch')),
                ('region', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='portal.region')),
                ('scheme', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='assistance.scheme')),
            ],
            options={
                'indexes': [models.Index(fields=['scheme', 'region'], name='payment_tally_scheme_idx')],
                'constraints': [models.UniqueConstraint(fields=('batch', 'region', 'category', 'status'), name='payment_tally_key')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
