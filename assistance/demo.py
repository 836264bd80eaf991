"""Demo data for winter relief: the seed article's programmes, a few hundred households, one paid batch.

- Tianjin 一次性生活补贴: 800 yuan/person urban, 700 rural, before the Spring Festival;
- Shaanxi 取暖救助: 1200 yuan/household urban, 500 rural;
- Xi'an 增发1个月低保金/特困供养金: each recipient's own monthly amount × 1 (built, approved and paid);
- Jiangsu 一次性生活补贴: 200 yuan/person to 低保, 特困 and orphans, by 10 February, budget 16.89 million.

Households, members and enrolments are bulk-inserted (persons through the registry service); the
schemes and batches go through the services, so budgets, audit rows and payments are real.
"""

import datetime as dt
import random

from django.db import transaction

from portal.idnumber import make
from portal.models import User
from portal.money import yuan_display
from portal.services import audit, person_get_or_create

from . import services
from .audit_actions import AuditAction
from .models import Area, Batch, Campaign, Category, Enrolment, Household, Member, Scheme

CAMPAIGN = "2025–26 寒冬送温暖专项救助行动"
START = dt.date(2025, 1, 1)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉兰志刚淑珍德福春燕海峰"
STREETS = ["幸福路", "人民路", "解放路", "建设路", "和平街", "友谊路", "长乐路", "凤城路", "中山路", "新华街"]

# district -> (households, monthly dibao per person urban, rural, fen)
DISTRICTS = {
    "120101": (30, 124500, 124500), "120102": (30, 124500, 124500), "120104": (30, 124500, 124500),
    "120116": (40, 124500, 110000),
    "610102": (30, 79000, 56000), "610112": (40, 79000, 56000), "610113": (30, 79000, 56000),
    "610116": (40, 79000, 56000), "610202": (20, 72000, 52000), "610302": (20, 72000, 52000),
    "320102": (20, 95000, 95000), "320106": (20, 95000, 95000), "320311": (20, 86000, 74000),
}


def _user(username):
    return User.objects.filter(username=username).first()


def _people(rnd, region, n, used):
    out = []
    while len(out) < n:
        birth = dt.date(1938, 1, 1) + dt.timedelta(days=rnd.randint(0, 31000))
        number = make(f"{region}{birth:%Y%m%d}{rnd.randint(0, 999):03d}")
        if number in used:
            continue
        used.add(number)
        name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
        out.append((number, name, birth))
    return out


def _households(stdout, admin):
    """Bulk: households, members and enrolments across the demo districts."""
    rnd = random.Random(2025)
    used: set[str] = set()
    plan = []  # (region, area, address, [(person, relation)], [(person, category, fen)])
    for region, (count, urban_fen, rural_fen) in DISTRICTS.items():
        for i in range(count):
            area = Area.URBAN if i % 3 else Area.RURAL
            size = rnd.choice([1, 1, 2, 2, 3, 4])
            people = _people(rnd, region, size, used)
            persons = [person_get_or_create(id_number=n, name=name) for n, name, _b in people]
            relations = ["head"] + [rnd.choice(["spouse", "child", "parent"]) for _ in persons[1:]]
            base = urban_fen if area == Area.URBAN else rural_fen
            roll = rnd.random()
            enrol = []
            if size == 1 and roll < 0.3:
                enrol.append((persons[0], Category.TEKUN, base + 40000))
            elif roll < 0.8:
                enrol += [(p, Category.DIBAO, base - rnd.randint(0, 20) * 1000) for p in persons]
            else:
                enrol.append((persons[0], Category.LOW_INCOME, 0))
            if size >= 3 and rnd.random() < 0.1:
                enrol.append((persons[-1], Category.ORPHAN, 150000))
            street = rnd.choice(STREETS)
            plan.append((region, area, f"{street}{rnd.randint(1, 300)}号{rnd.randint(1, 20)}栋{rnd.randint(101, 2404)}室",
                         list(zip(persons, relations, strict=True)), enrol))
    households = Household.objects.bulk_create([
        Household(region_id=region, area=area, address=address, head=members[0][0], created_by=admin,
                  bank_account=f"62220{rnd.randint(10**13, 10**14 - 1)}")
        for region, area, address, members, _e in plan
    ])
    Member.objects.bulk_create([
        Member(household=h, person=p, relation=rel, joined_on=START)
        for h, (_r, _a, _ad, members, _e) in zip(households, plan, strict=True) for p, rel in members
    ])
    Enrolment.objects.bulk_create([
        Enrolment(person=p, household=h, region_id=h.region_id, category=cat, monthly_amount=fen, start=START,
                  created_by=admin)
        for h, (_r, _a, _ad, _m, enrol) in zip(households, plan, strict=True) for p, cat, fen in enrol
    ])
    audit(actor=admin, action=AuditAction.DEMO_SEED, object_type="assistance.Household", object_id="*",
          after={"households": len(households)}, note="演示数据")
    stdout.write(f"  社会救助：{len(households)} 户家庭已登记")
    return households


def seed(stdout):
    if Scheme.objects.filter(campaign__name=CAMPAIGN).exists():
        stdout.write("  社会救助：演示数据已存在，跳过")
        return
    admin = _user("admin")
    cw, ap = _user("caseworker"), _user("approver")
    cw_tj, cw_sx = _user("caseworker_tj"), _user("caseworker_sx")
    if not all([admin, cw, ap, cw_tj, cw_sx]):
        stdout.write("  社会救助：缺少演示账号，跳过")
        return
    _households(stdout, admin)
    # funds from the centre down: the seed's 410亿 for 2026, to Shaanxi and Tianjin, Shaanxi on to Xi'an
    yi = 100_000_000 * 100
    services.allocation_create(year=2026, region=None, amount=410 * yi, actor=admin)
    services.allocation_create(year=2026, region="610000", amount=50 * yi, actor=admin)
    services.allocation_create(year=2026, region="120000", amount=20 * yi, actor=admin)
    ap_sx = _user("approver_sx")
    if ap_sx is not None:
        services.allocation_create(year=2026, region="610100", amount=10 * yi, actor=ap_sx)
    campaign = Campaign.objects.get_or_create(
        name=CAMPAIGN, defaults={"starts_on": dt.date(2025, 11, 1), "ends_on": dt.date(2026, 3, 31)})[0]
    common = {"campaign": campaign}
    services.scheme_create(
        name="天津市一次性生活补贴", kind=Scheme.Kind.ONE_TIME, region="120000", unit=Scheme.Unit.PERSON,
        categories=["dibao", "tekun", "orphan"], urban_amount=80000, rural_amount=70000,
        budget=106_400_000_00, deadline=dt.date(2026, 2, 16), actor=cw_tj, **common)
    services.scheme_create(
        name="陕西省取暖救助", kind=Scheme.Kind.HEATING, region="610000", unit=Scheme.Unit.HOUSEHOLD,
        categories=["dibao", "tekun", "orphan"], urban_amount=120000, rural_amount=50000,
        budget=300_000_000_00, deadline=dt.date(2025, 12, 31), actor=cw_sx, **common)
    xian = services.scheme_create(
        name="西安市增发1个月低保金和特困供养金", kind=Scheme.Kind.EXTRA_MONTH, region="610100",
        unit=Scheme.Unit.PERSON, categories=["dibao", "tekun"], urban_amount=0, rural_amount=0, months=1,
        budget=80_000_000_00, deadline=dt.date(2026, 1, 31), actor=cw, **common)
    services.scheme_create(
        name="江苏省一次性生活补贴", kind=Scheme.Kind.ONE_TIME, region="320000", unit=Scheme.Unit.PERSON,
        categories=["dibao", "tekun", "orphan"], urban_amount=20000, rural_amount=20000,
        budget=16_890_000_00, deadline=dt.date(2026, 2, 10), payment_form=Scheme.PaymentForm.BANK,
        actor=admin, **common)

    # Xi'an: built by the caseworker, approved by the approver, paid (the pages show real numbers).
    with transaction.atomic():
        batch = services.batch_create(scheme=xian, region="610100", actor=cw)
    services.batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    services.batch_approve(batch=batch, actor=ap)
    services.batch_pay(batch_id=batch.pk)
    batch.refresh_from_db()
    # Tianjin: a draft waiting for its approver.
    tianjin = Scheme.objects.get(name="天津市一次性生活补贴")
    with transaction.atomic():
        draft = services.batch_create(scheme=tianjin, region="120000", actor=cw_tj)
    services.batch_build(batch_id=draft.pk)
    draft.refresh_from_db()
    _monthly(stdout, cw, ap)
    stdout.write(
        f"  社会救助：4 个救助项目；西安增发批次 #{batch.pk} {batch.get_status_display()}"
        f"（{batch.paid_count} 人，{yuan_display(batch.paid_amount)}）；天津批次 #{draft.pk} "
        f"{Batch.Status(draft.status).label}（{draft.recipient_count} 人）"
    )


def _monthly(stdout, cw, ap) -> None:
    """Monthly assistance in Xi'an: Shaanxi's and Xi'an's standards (Xi'an's higher rate wins), Xi'an's
    rule (pay day the 10th, 3 months of 渐退, yearly review, half-yearly with a work-able member), a
    means-tested household enrolled from December 2025, one refused (its 不予认定告知书), and the payroll
    of December 2025 and January 2026 made by the system, approved and paid."""
    from .models import AssistanceRule, Standard

    for region, urban, rural in (("610000", 72000, 52000), ("610100", 79000, 56000)):
        for area, amount in (("urban", urban), ("rural", rural)):
            Standard.objects.get_or_create(region_id=region, area=area, kind="dibao", care_level="",
                                           effective_from=START, defaults={"amount": amount})
            Standard.objects.get_or_create(region_id=region, area=area, kind="tekun_basic", care_level="",
                                           effective_from=START, defaults={"amount": amount * 13 // 10})
    for level, amount in (("self", 7900), ("partial", 23700), ("full", 47400)):
        for area in ("urban", "rural"):
            Standard.objects.get_or_create(region_id="610100", area=area, kind="tekun_care", care_level=level,
                                           effective_from=START, defaults={"amount": amount})
    AssistanceRule.objects.get_or_create(region_id="610100", effective_from=START, defaults={
        "counted_income": ["wages", "pension", "business", "rent"], "deposit_limit_per_person": 2_400_000,
        "housing_limit": 1, "vehicle_limit": 0, "minimum_per_person": 5000, "severe_disability_addition": 15000,
        "exit_months": 3, "review_months": 12, "review_months_work_able": 6, "pay_day": 10})
    rnd = random.Random(15)
    used: set[str] = set()
    people = _people(rnd, "610112", 4, used)
    hh = services.household_create(region="610112", area=Area.URBAN, address="未央区凤城五路88号", actor=cw,
                                   bank_account="6222020200000015015",
                                   members=[{"name": n, "id_number": i, "relation": r} for (i, n, _b), r in
                                            zip(people[:3], ["head", "spouse", "child"], strict=True)])
    services.income_item_add(household=hh, kind="wages", monthly_amount=90000, note="户主务工", actor=cw)
    services.income_item_add(household=hh, kind="transfers", monthly_amount=20000, note="亲属资助（不计入）",
                             actor=cw)
    services.asset_add(household=hh, kind="housing", quantity=1, value=0, note="自有住房一套", actor=cw)
    test = services.means_test_run(household=hh, actor=cw, on=dt.date(2025, 11, 20))
    he = services.household_enrol(household=hh, actor=ap, start=dt.date(2025, 12, 1), means_test=test)
    other = services.household_create(region="610112", area=Area.URBAN, address="未央区凤城八路6号", actor=cw,
                                      members=[{"name": people[3][1], "id_number": people[3][0], "relation": "head"}])
    services.income_item_add(household=other, kind="wages", monthly_amount=260000, actor=cw)
    refused = services.means_test_run(household=other, actor=cw, on=dt.date(2025, 11, 20))
    paid = []
    for month, day in (("2025-12", dt.date(2025, 12, 10)), ("2026-01", dt.date(2026, 1, 10))):
        batch = services.payroll_run(region="610100", month=month, on=day)
        services.batch_approve(batch=batch, actor=ap)
        batch = services.batch_pay(batch_id=batch.pk)
        paid.append(f"{month} #{batch.pk} {batch.paid_count} 人 {yuan_display(batch.paid_amount)}")
    stdout.write(f"  月度救助：家庭 #{hh.pk} 核对后按户认定 {yuan_display(he.monthly_amount)}/月（核对 #{test.pk}），"
                 f"不予认定核对 #{refused.pk}；月度发放 {'；'.join(paid)}")
