"""Payments not yet paid take their household's current account (from now on the build copies it, and what
is approved is what is paid); the bank exchange's periodic work: fetch result files every minute, ask the
bank about unanswered payments every 10 minutes, reconcile recent batches nightly at 02:30."""

from django.db import migrations

from portal import beat

BACKFILL = """
UPDATE assistance_payment SET bank_account = h.bank_account
FROM assistance_household h
WHERE h.id = assistance_payment.household_id AND assistance_payment.status IN ('pending', 'failed')
  AND assistance_payment.bank_account = ''
"""


class Migration(migrations.Migration):
    dependencies = [("assistance", "0009_bank_lifecycle"), beat.DEPENDENCY]

    operations = [
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        beat.schedule(name="银行回盘文件获取", task="assistance.fetch_bank_results", every_minutes=1),
        beat.schedule(name="银行未回盘交易查询", task="assistance.query_bank", every_minutes=10),
        beat.schedule(name="发放批次与银行对账", task="assistance.reconcile_batches",
                      crontab={"minute": "30", "hour": "2"}),
    ]
