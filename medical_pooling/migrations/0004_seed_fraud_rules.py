"""The initial fraud rules (data, editable in the admin) and the nightly scan at 03:00 Beijing time."""

from django.db import migrations

RULES = [
    ("burst-24h", "24小时内集中用尽共济额度", "burst", {"window_hours": 24, "share": 0.8, "min_count": 3}, 3),
    ("many-relations", "同一共济人生效关系超过5个", "many_relations", {"max_relations": 5}, 2),
    ("many-poolers", "同一被共济人被超过3人共济", "many_poolers", {"max_poolers": 3}, 2),
    ("far-spend", "在共济双方参保省份之外消费", "far_spend", {}, 1),
    ("repeated-amount", "30天内同一关系重复相同金额3次以上", "repeated_amount", {"days": 30, "min_repeats": 3}, 2),
]
TASK_NAME = "医保共济反欺诈夜间扫描"


def seed(apps, schema_editor):
    FraudRule = apps.get_model("medical_pooling", "FraudRule")
    for code, name, kind, params, severity in RULES:
        FraudRule.objects.get_or_create(code=code, defaults={"name": name, "kind": kind, "params": params,
                                                             "severity": severity})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(name=TASK_NAME, defaults={
        "task": "medical_pooling.tasks.fraud_scan_nightly", "crontab": crontab, "enabled": True})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()
    apps.get_model("medical_pooling", "FraudRule").objects.filter(code__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("medical_pooling", "0003_fraud_rules_and_review_queue"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
