"""Seed the occupational standard, its five levels with weight tables, and the entry rules.

These are DATA, not code: admins edit them in the Django admin (职业标准 / 职业等级 / 申报条件), and
`services.eligibility_check` reads whatever rows exist. The values follow the pattern of the national
occupational standards: the "2019" template mirrors the 2019-era standards' conditions (longer
years, apprenticeship), the "2023" template the newer ones (minimum age 16 for entry, shorter years,
professional titles as an alternative route to 技师/高级技师). They are reasonable models of the
published pattern, to be checked against the printed standard by the administering department.
"""

from decimal import Decimal

from django.db import migrations

STANDARD = {
    "code": "4-03-02-01",
    "name": "中式烹调师(药膳制作师)国家职业标准(2025年版)",
    "occupation": "中式烹调师(药膳制作师)",
    "issued": "2025-03",
    "default_template": "2023",
}

# number, name, title, theory weights, skills weights (each table sums to 100), panel review?
LEVELS = [
    (5, "五级", "初级工",
     {"职业道德": 5, "基础知识": 25, "药膳原料识别与加工": 30, "药膳制作": 40},
     {"药膳原料识别与加工": 40, "药膳制作": 60}, False),
    (4, "四级", "中级工",
     {"职业道德": 5, "基础知识": 20, "药膳原料识别与加工": 20, "药膳配方": 15, "药膳制作": 40},
     {"药膳原料识别与加工": 30, "药膳配方": 20, "药膳制作": 50}, False),
    (3, "三级", "高级工",
     {"职业道德": 5, "基础知识": 15, "药膳原料识别与加工": 10, "药膳配方": 25, "药膳制作": 35, "药膳宴席设计": 10},
     {"药膳原料识别与加工": 15, "药膳配方": 25, "药膳制作": 45, "药膳宴席设计": 15}, False),
    (2, "二级", "技师",
     {"职业道德": 5, "基础知识": 10, "药膳配方": 20, "药膳制作": 25, "药膳宴席设计": 20, "培训与管理": 20},
     {"药膳配方": 20, "药膳制作": 30, "药膳宴席设计": 25, "培训与管理": 25}, True),
    (1, "一级", "高级技师",
     {"职业道德": 5, "基础知识": 10, "药膳配方": 20, "药膳制作": 15, "药膳宴席设计": 20, "培训与管理": 30},
     {"药膳配方": 20, "药膳制作": 20, "药膳宴席设计": 25, "培训与管理": 35}, True),
]

# template, level, description, min_years, cert_level, min_diploma, min_age, min_title, training_completed
RULES = [
    ("2019", 5, "累计从事本职业或相关职业工作1年（含）以上", 1, None, None, None, None, False),
    ("2019", 5, "本职业或相关职业学徒期满（完成本等级培训并结业）", None, None, None, None, None, True),
    ("2019", 4, "取得本职业或相关职业五级/初级工证书后，累计从事本职业或相关职业工作4年（含）以上",
     4, 5, None, None, None, False),
    ("2019", 4, "累计从事本职业或相关职业工作6年（含）以上", 6, None, None, None, None, False),
    ("2019", 4, "取得技工学校或中等及以上职业学校本专业或相关专业毕业证书", None, None, 1, None, None, False),
    ("2019", 3, "取得四级/中级工证书后，累计从事本职业或相关职业工作5年（含）以上", 5, 4, None, None, None, False),
    ("2019", 3, "取得四级/中级工证书，并具有高级技工学校、技师学院或高等职业学校本专业或相关专业毕业证书",
     None, 4, 2, None, None, False),
    ("2019", 2, "取得三级/高级工证书后，累计从事本职业或相关职业工作4年（含）以上", 4, 3, None, None, None, False),
    ("2019", 2, "取得三级/高级工证书的高级技工学校、技师学院毕业生，累计从事本职业或相关职业工作3年（含）以上",
     3, 3, 2, None, None, False),
    ("2019", 1, "取得二级/技师证书后，累计从事本职业或相关职业工作4年（含）以上", 4, 2, None, None, None, False),
    ("2023", 5, "年满16周岁，累计从事本职业或相关职业工作1年（含）以上", 1, None, None, 16, None, False),
    ("2023", 5, "年满16周岁，经本职业五级培训达规定学时并取得结业证书", None, None, None, 16, None, True),
    ("2023", 4, "取得本职业或相关职业五级/初级工证书后，累计从事本职业或相关职业工作3年（含）以上",
     3, 5, None, None, None, False),
    ("2023", 4, "累计从事本职业或相关职业工作4年（含）以上", 4, None, None, None, None, False),
    ("2023", 4, "取得技工学校或中等及以上职业学校本专业或相关专业毕业证书", None, None, 1, None, None, False),
    ("2023", 3, "取得四级/中级工证书后，累计从事本职业或相关职业工作4年（含）以上", 4, 4, None, None, None, False),
    ("2023", 3, "取得四级/中级工证书，并具有高级技工学校、技师学院或高等职业学校本专业或相关专业毕业证书",
     None, 4, 2, None, None, False),
    ("2023", 3, "累计从事本职业或相关职业工作10年（含）以上", 10, None, None, None, None, False),
    ("2023", 2, "取得三级/高级工证书后，累计从事本职业或相关职业工作3年（含）以上", 3, 3, None, None, None, False),
    ("2023", 2, "具有中级及以上相关专业技术职称，累计从事本职业或相关职业工作3年（含）以上",
     3, None, None, None, 2, False),
    ("2023", 1, "取得二级/技师证书后，累计从事本职业或相关职业工作3年（含）以上", 3, 2, None, None, None, False),
    ("2023", 1, "具有高级相关专业技术职称，累计从事本职业或相关职业工作5年（含）以上", 5, None, None, None, 3, False),
]


def seed(apps, schema_editor):
    Standard = apps.get_model("skills_training", "Standard")
    Level = apps.get_model("skills_training", "Level")
    EntryRule = apps.get_model("skills_training", "EntryRule")
    standard, _ = Standard.objects.get_or_create(code=STANDARD["code"], defaults=STANDARD)
    levels = {}
    for number, name, title, theory, skills, review in LEVELS:
        assert sum(theory.values()) == 100 and sum(skills.values()) == 100, number
        levels[number], _ = Level.objects.get_or_create(
            standard=standard, number=number,
            defaults={"name": name, "title": title, "theory_weights": theory, "skills_weights": skills,
                      "requires_review": review},
        )
    positions = {}
    for template, number, text, years, cert, diploma, age, title, training in RULES:
        key = (template, number)
        positions[key] = positions.get(key, 0) + 1
        EntryRule.objects.get_or_create(
            template=template, level=levels[number], position=positions[key],
            defaults={"description": text, "min_years": None if years is None else Decimal(years),
                      "cert_level": cert, "min_diploma": diploma, "min_age": age, "min_title": title,
                      "training_completed": training},
        )


def unseed(apps, schema_editor):
    Standard = apps.get_model("skills_training", "Standard")
    EntryRule = apps.get_model("skills_training", "EntryRule")
    Level = apps.get_model("skills_training", "Level")
    EntryRule.objects.filter(level__standard__code=STANDARD["code"]).delete()
    Level.objects.filter(standard__code=STANDARD["code"]).delete()
    Standard.objects.filter(code=STANDARD["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("skills_training", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
