"""The labour brand 亳州养生's trades as data: 药膳, 药茶 (herbal and flower teas) and 推拿 (health massage) —
亳州 builds the brand on herbal cuisine, flower-and-herb tea and health massage. 药膳 has its national
occupational standard (4-03-02-01, issued 2025-03); the others have none in the portal yet (training staff
add one, or the basis they follow, on the brand page)."""

from django.db import migrations

TRADES = [
    ("cuisine", "药膳", "药膳制作师", "4-03-02-01", "", "运用中医药理论，以食物和药食同源食材为原料制作药膳", 1),
    ("tea", "药茶", "养生茶饮调配", None, "暂无国家职业标准", "花草茶、药茶的调配与经营", 2),
    ("massage", "推拿", "保健按摩", None, "暂无国家职业标准", "保健按摩、养生推拿服务", 3),
]


def seed(apps, schema_editor):
    BrandTrade = apps.get_model("skills_training", "BrandTrade")
    Standard = apps.get_model("skills_training", "Standard")
    Region = apps.get_model("portal", "Region")
    if not Region.objects.filter(code="341600").exists():
        return
    for code, name, occupation, standard, note, description, position in TRADES:
        BrandTrade.objects.get_or_create(code=code, defaults={
            "name": name, "occupation": occupation, "region_id": "341600", "standard_note": note,
            "standard": Standard.objects.filter(code=standard).first() if standard else None,
            "description": description, "position": position})


def unseed(apps, schema_editor):
    apps.get_model("skills_training", "BrandTrade").objects.filter(
        code__in=[t[0] for t in TRADES], updated_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("skills_training", "0008_labour_brand_trades_events_pilot_regions"),
                    ("skills_training", "0002_seed_standard"), ("portal", "0002_load_regions")]
    operations = [migrations.RunPython(seed, unseed)]
