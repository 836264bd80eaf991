"""Monthly full clearing (按月全额清算): on the 1st at 02:00 Beijing time, clear the previous month."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("medical_pooling", "0001_initial_ledger_relations_settlement"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="医保共济跨地区月度清算", task="medical_pooling.tasks.run_monthly_settlement",
                  crontab={"minute": "0", "hour": "2", "day_of_month": "1"}),
    ]
