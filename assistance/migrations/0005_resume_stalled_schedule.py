"""Every 2 minutes, send the task again for batches whose worker was lost (see batch_resume_stalled)."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("assistance", "0004_batch_heartbeat"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="发放批次中断恢复", task="assistance.resume_stalled_batches", every_minutes=2),
    ]
