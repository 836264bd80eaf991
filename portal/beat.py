"""Schedules for django-celery-beat, written by migrations.

A migration that adds a periodic job says only what differs:

    operations = [beat.schedule(name="取暖救助月度动态核对与补发", task="assistance.heating_topup",
                                crontab={"minute": "0", "hour": "3", "day_of_month": "2"})]

`crontab` fields left out are `*`; the time zone is Beijing time. `every_minutes` makes an interval
schedule instead. Reversing the migration removes the job. The code here uses only the historical
models the migration hands it, so it stays valid for old migrations as this module evolves.
"""

from django.db import migrations

TIMEZONE = "Asia/Shanghai"
DEPENDENCY = ("django_celery_beat", "0019_alter_periodictasks_options")


def schedule(*, name: str, task: str, crontab: dict | None = None, every_minutes: int | None = None,
             args: str = "[]") -> migrations.RunPython:
    if (crontab is None) == (every_minutes is None):
        raise ValueError("give either crontab or every_minutes")

    def create(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        defaults = {"task": task, "enabled": True, "args": args}
        if crontab is not None:
            fields = {"minute": "*", "hour": "*", "day_of_month": "*", "month_of_year": "*", "day_of_week": "*",
                      **crontab, "timezone": TIMEZONE}
            defaults["crontab"], _ = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
                **fields)
        else:
            defaults["interval"], _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
                every=every_minutes, period="minutes")
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)

    def drop(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(create, drop)


def rename_task(*, old: str, new: str) -> migrations.RunPython:
    """A task's registered name changed: point its schedules and its queued jobs at the new name."""

    def forward(apps, schema_editor, old=old, new=new):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=old).update(task=new)
        apps.get_model("portal", "Job").objects.filter(task=old).update(task=new)

    def backward(apps, schema_editor):
        forward(apps, schema_editor, old=new, new=old)

    return migrations.RunPython(forward, backward)
