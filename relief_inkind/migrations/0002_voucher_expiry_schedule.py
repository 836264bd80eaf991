from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("relief_inkind", "0001_vouchers_merchants_statements"), beat.DEPENDENCY]

    operations = [beat.schedule(name="消费券到期退回预算", task="relief_inkind.expire_vouchers",
                                crontab={"minute": "20", "hour": "0"})]
