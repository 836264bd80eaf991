"""The monthly payroll's beat job: every day at 01:15 Beijing time, each region whose pay day
(AssistanceRule.pay_day) is today gets that month's payroll batch (assistance.monthly_payroll)."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("assistance", "0012_monthly_standards_means_payroll"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="低保特困月度发放（按各地发放日）", task="assistance.monthly_payroll",
                      crontab={"minute": "15", "hour": "1"}),
    ]
