"""Demo data: a worker in Xi'an pooling with a parent in Bozhou (requested by the worker, accepted by the
parent), hospital spends in Bozhou last month through the parent's payment codes, that month cleared; plus
~100 insured people across several pooling regions, their relations accepted at the counter. All through
the services (codes for people without a login are minted directly: they have no session to show one)."""

import datetime as dt
import random

from django.utils import timezone

from portal.demo import (
    BOZHOU_HOSPITAL,
    BOZHOU_PARENT_ID,
    BOZHOU_PARENT_NAME,
    BOZHOU_PHARMACY,
    XIAN_WORKER_ID,
    XIAN_WORKER_NAME,
)
from portal.idnumber import make
from portal.models import Role, User
from portal.money import yuan_str

from . import services
from .fraud import fraud_scan
from .models import Insured

# pooling region -> a county inside it (for ID numbers and institutions)
REGIONS = {"610100": "610112", "341600": "341602", "120100": "120101", "320100": "320102", "440100": "440103",
           "210100": "210102"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
KINSHIPS = ["spouse", "parent", "child", "sibling", "grandparent", "grandchild"]


def seed(stdout):
    if Insured.objects.filter(person__id_number=XIAN_WORKER_ID).exists():
        stdout.write("medical_pooling: demo data already present")
        return
    officer = (User.objects.filter(role=Role.INSURANCE_OFFICER, region__isnull=True).order_by("pk").first()
               or User.objects.filter(is_superuser=True).first())
    rnd = random.Random(2026)
    month = services.previous_month()
    start, _end = services.month_bounds(month)

    worker = services.insured_create(actor=officer, id_number=XIAN_WORKER_ID, name=XIAN_WORKER_NAME,
                                     scheme="employee", region="610100", balance=860000)
    services.insured_create(actor=officer, id_number=BOZHOU_PARENT_ID, name=BOZHOU_PARENT_NAME,
                            scheme="resident", region="341600")
    worker_user = User.objects.filter(person=worker.person).first() or officer
    rel = services.relation_create(actor=worker_user, pooler=worker, beneficiary_id_number=BOZHOU_PARENT_ID,
                                   beneficiary_name=BOZHOU_PARENT_NAME, kinship="parent", quota=300000)
    parent_user = User.objects.filter(person__id_number=BOZHOU_PARENT_ID).first()
    rel = services.relation_accept(actor=parent_user or officer, relation=rel)

    def code(relation):
        if parent_user is not None and relation.beneficiary.person_id == parent_user.person_id:
            return services.payment_code_issue(actor=parent_user, relation=relation)[0]
        return services._payment_code_new(relation)[0]

    hospital = services.institution_ensure(code=BOZHOU_HOSPITAL, name="亳州市人民医院")
    pharmacy = services.institution_ensure(code=BOZHOU_PHARMACY, name="亳州市华佗大药房")
    # each spend recorded by the institution's own login where there is one (an institution records only
    # its own spends), else by the officer
    recorders = {u.institution_code: u for u in User.objects.filter(
        role=Role.INSTITUTION, institution_code__in=[BOZHOU_HOSPITAL, BOZHOU_PHARMACY])}
    for day, hour, amount, category, place in [(3, 9, 38650, "medical", hospital), (12, 15, 12480, "medical", hospital),
                                               (21, 10, 5620, "pharmacy", pharmacy)]:
        services.spend_create(actor=recorders.get(place.code, officer), institution=place, payment_code=code(rel),
                              category=category, amount=amount,
                              occurred_at=start + dt.timedelta(days=day - 1, hours=hour))
    # the parent's resident-insurance premium for this year, paid from the quota (共济缴费, not at a hospital)
    services.premium_pay(actor=parent_user or officer, relation=rel, premium_scheme="resident", amount=40000)
    # the worker's own spending at a Xi'an hospital (本人付款码), never from what is reserved for the parent
    if worker_user is not officer:
        own_code, _row = services.own_payment_code_issue(actor=worker_user)
        xian = services.institution_ensure(code="H61011200001", name="西安市未央区医院")
        services.own_spend_create(actor=officer, institution=xian, payment_code=own_code, category="medical",
                                  amount=26800, occurred_at=timezone.now() - dt.timedelta(hours=2))

    institutions = {
        code: services.institution_ensure(code=f"H{county}00001", name=f"{name}定点医院")
        for code, county, name in [("610100", "610112", "西安市"), ("341600", "341602", "亳州市"),
                                   ("120100", "120101", "天津市"), ("320100", "320102", "南京市"),
                                   ("440100", "440103", "广州市"), ("210100", "210102", "沈阳市")]
    }
    people = []
    codes = list(REGIONS)
    for n in range(100):
        region = codes[n % len(codes)]
        birth = f"{rnd.randint(1945, 2000)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        id_number = make(f"{REGIONS[region]}{birth}{n + 100:03d}")
        name = SURNAMES[rnd.randrange(len(SURNAMES))] + GIVEN[rnd.randrange(len(GIVEN))] + GIVEN[rnd.randrange(len(GIVEN))]
        scheme = "employee" if n % 3 else "resident"
        balance = rnd.randint(500, 20000) * 100 if scheme == "employee" else 0
        people.append(services.insured_create(actor=officer, id_number=id_number, name=name, scheme=scheme,
                                              region=region, balance=balance))
    employees = [p for p in people if p.scheme == "employee"]
    spends = 0
    for i, pooler in enumerate(employees[:40]):
        beneficiary = rnd.choice([p for p in people if p.pk != pooler.pk])
        pooler_user = officer  # relations on behalf of the demo people (they have no logins)
        relation = services.relation_create(actor=pooler_user, pooler=pooler,
                                            beneficiary_id_number=beneficiary.person.id_number,
                                            beneficiary_name=beneficiary.person.name,
                                            kinship=KINSHIPS[i % len(KINSHIPS)], quota=rnd.randint(100, 500) * 100)
        relation = services.relation_accept(actor=officer, relation=relation)  # consent at the counter
        for _k in range(rnd.randint(0, 3)):
            amount = rnd.randint(10, 3000) * 10
            if amount > relation.quota - relation.used:
                break
            services.spend_create(actor=officer, institution=institutions[beneficiary.region_id],
                                  payment_code=code(relation), category="medical", amount=amount,
                                  occurred_at=start + dt.timedelta(days=rnd.randint(0, 27), hours=rnd.randint(8, 20)))
            relation.refresh_from_db()
            spends += 1
    # something for the fraud review queue: the same amount three times, far from both people's provinces
    suspect, relative = employees[40], people[0]
    odd = services.relation_create(actor=officer, pooler=suspect, beneficiary_id_number=relative.person.id_number,
                                   beneficiary_name=relative.person.name, kinship="sibling", quota=100000)
    odd = services.relation_accept(actor=officer, relation=odd)
    far = institutions["440100"] if relative.region_id[:2] != "44" and suspect.region_id[:2] != "44" else institutions["210100"]
    for day in (5, 6, 7):
        services.spend_create(actor=officer, institution=far, payment_code=code(odd), category="medical", amount=20000,
                              occurred_at=start + dt.timedelta(days=day, hours=11))
        spends += 1
    fraud_scan(since=start)
    opened = open_wallets(officer)
    # a request still waiting for its beneficiary's consent (the statistics count it as pending)
    waiting = services.relation_create(actor=officer, pooler=employees[41], beneficiary_id_number=people[1].person.id_number,
                                       beneficiary_name=people[1].person.name, kinship="sibling", quota=50000)
    run = services.settlement_run(month=month, actor=officer)
    stdout.write(f"medical_pooling: {len(people) + 2} insured, {len(employees[:40]) + 2} relations, "
                 f"{spends + 3} spends; {month} cleared: {run.line_count} cross-region payments, "
                 f"{yuan_str(run.line_amount)} yuan ({run.get_status_display()}); relation #{waiting.pk} pending; "
                 f"{opened} pooling regions with an opened wallet by 2025-06-30")


def open_wallets(officer, *, target: int = 337, by: dt.date = dt.date(2025, 6, 30)) -> int:
    """The seed: 337 pooling regions had opened their personal medical wallets by 2025-06-30 (the national
    launch was December 2024). Prefecture-level regions without a rule get one, with opening dates spread
    over December 2024 – June 2025, through the rules service, until 337 have opened by that date."""
    from portal.models import Region

    from .models import RegionRule

    have = RegionRule.objects.filter(wallet_opened_on__lte=by).count()
    ruled = set(RegionRule.objects.values_list("region_id", flat=True))
    candidates = [c for c in Region.objects.filter(level=Region.Level.PREFECTURE).order_by("code")
                  .values_list("code", flat=True) if c not in ruled][:max(0, target - have)]
    first = dt.date(2024, 12, 1)
    span = (by - first).days
    for i, code in enumerate(candidates):
        services.region_rule_set(actor=officer, region=code, categories=["medical", "pharmacy", "premium"],
                                 wallet_opened_on=first + dt.timedelta(days=span * i // max(1, len(candidates))))
    return RegionRule.objects.filter(wallet_opened_on__lte=by).count()
