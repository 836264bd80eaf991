"""过渡期结束复核: open the review tasks every day at 02:10 Beijing time."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("casework", "0005_disaster_relief_linkage"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="受灾家庭过渡期结束复核任务", task="casework.disaster_review_open",
                      crontab={"minute": "10", "hour": "2"}),
    ]
