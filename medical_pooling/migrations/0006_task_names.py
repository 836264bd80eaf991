"""Task names in the one scheme `<app label>.<verb>_<noun>`: beat schedules and queued jobs follow."""

from django.db import migrations

from portal import beat

RENAMES = [
    ("medical_pooling.tasks.run_settlement", "medical_pooling.run_settlement"),
    ("medical_pooling.tasks.run_monthly_settlement", "medical_pooling.run_monthly_settlement"),
    ("medical_pooling.tasks.fraud_check_spend", "medical_pooling.check_spend_fraud"),
    ("medical_pooling.tasks.fraud_scan_nightly", "medical_pooling.scan_fraud_nightly"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("medical_pooling", "0005_ledger_append_only_trigger"),
        beat.DEPENDENCY,
        ("portal", "0004_resume_stalled_jobs_schedule"),
    ]

    operations = [beat.rename_task(old=old, new=new) for old, new in RENAMES]
