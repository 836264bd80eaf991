"""Seed a few pooling regions' rules (the demo's regions): every category allowed, no caps, the national
claim window, and the date each opened its personal medical wallet (the seed: 337 regions had by
2025-06-30; the rest are added by officers on the rules page). Values that change nothing for a spend:
only the wallet date is new information."""

import datetime as dt

from django.db import migrations

OPENED = {
    "610100": dt.date(2024, 11, 1),   # 西安市
    "341600": dt.date(2025, 3, 1),    # 亳州市
    "120100": dt.date(2025, 1, 1),    # 天津市
    "320100": dt.date(2025, 2, 1),    # 南京市
    "440100": dt.date(2025, 4, 1),    # 广州市
    "210100": dt.date(2025, 6, 30),   # 沈阳市
}


def seed(apps, schema_editor):
    RegionRule = apps.get_model("medical_pooling", "RegionRule")
    Region = apps.get_model("portal", "Region")
    present = set(Region.objects.filter(code__in=OPENED).values_list("code", flat=True))
    for code, opened in OPENED.items():
        if code in present:
            RegionRule.objects.get_or_create(
                region_id=code, defaults={"categories": ["medical", "pharmacy", "premium"],
                                          "wallet_opened_on": opened})


def unseed(apps, schema_editor):
    apps.get_model("medical_pooling", "RegionRule").objects.filter(region_id__in=OPENED, updated_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("medical_pooling", "0009_region_rules"), ("portal", "0002_load_regions")]
    operations = [migrations.RunPython(seed, unseed)]
