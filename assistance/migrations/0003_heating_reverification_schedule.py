"""动态核对: on the 2nd of each month at 03:00 Beijing time, re-verify heating recipients and build
top-up batches for people who became eligible during the season."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("assistance", "0002_batch_topup_month"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="取暖救助月度动态核对与补发", task="assistance.heating_topup",
                  crontab={"minute": "0", "hour": "3", "day_of_month": "2"}),
    ]
