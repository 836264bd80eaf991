"""Every 2 minutes, send again the task of jobs whose worker was lost (see portal.jobs.jobs_resume_stalled)."""

from django.db import migrations

TASK = "portal.resume_stalled_jobs"
NAME = "后台任务中断恢复"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=2, period="minutes")
    PeriodicTask.objects.update_or_create(name=NAME, defaults={"task": TASK, "interval": every, "enabled": True})


def drop_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_job_task"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, drop_schedule)]
