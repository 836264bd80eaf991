"""主动发现: scan every night at 01:30 Beijing time."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_applications_aid_street_visits_discovery"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="救助主动发现夜间扫描", task="casework.discovery_scan", crontab={"minute": "30", "hour": "1"}),
    ]
