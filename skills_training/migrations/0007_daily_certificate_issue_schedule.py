"""Daily at 06:30 Beijing time: issue the certificates of sittings whose notice period (公示) has ended."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("skills_training", "0006_sitting_results_assessors_tickets"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="技能评价公示期满颁发证书", task="skills_training.issue_due_certificates",
                      crontab={"minute": "30", "hour": "6"}),
    ]
