"""Every 2 minutes, send again the task of jobs whose worker was lost (see portal.jobs.jobs_resume_stalled)."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_job_task"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="后台任务中断恢复", task="portal.resume_stalled_jobs", every_minutes=2),
    ]
