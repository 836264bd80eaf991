"""Casework demo: applications in several states, temporary aid (小额快救 and 急难发生地), a night of street
patrols in Xi'an with shelters, a cold-wave alert, visits and discovery tasks. Runs after assistance's demo;
everything goes through the services. Idempotent: a second run adds nothing."""

import datetime as dt

from django.utils import timezone

from assistance import services as assistance_services
from portal.idnumber import make
from portal.models import User

from . import services
from .models import Application


def _id(region: str, birth: str, seq: int) -> str:
    return make(f"{region}{birth}{seq:03d}")


def seed(stdout):
    if Application.objects.exists():
        stdout.write("casework: 演示数据已存在，跳过。")
        return
    cw = User.objects.get(username="caseworker")
    ap = User.objects.get(username="approver")
    cw2 = User.objects.get(username="caseworker_sx")
    ap2 = User.objects.get(username="approver_sx")
    today = timezone.localdate()
    now = timezone.now()

    services.policy_set(region="610100", normal_days=30, fast_track_days=10, small_aid_threshold=100000,
                        yearly_cap=2000000, patrols_per_day=2, actor=ap)
    services.fast_track_create(region="610100", name="元旦春节救助快速通道", starts_on=today - dt.timedelta(days=10),
                               ends_on=today + dt.timedelta(days=40), actor=ap)

    # households (through assistance's registry)
    people = []
    for i, (region, birth, name) in enumerate([
        ("610112", "19700312", "郭长安"), ("610113", "19820506", "马小燕"), ("610104", "19650820", "杨秦川"),
        ("610112", "19900101", "周未央"), ("610111", "19750615", "韩灞桥"), ("610112", "19470203", "孙独居"),
    ]):
        number = _id(region, birth, 600 + i)
        hh = assistance_services.household_create(
            region=region, area="urban", address=f"{name}家·演示路{i + 1}号",
            members=[{"name": name, "id_number": number, "relation": "head"}],
            bank_account=f"62220202001122{i:05d}", actor=cw)
        people.append((number, name, region, hh))

    # applications: confirmed, reviewed, submitted (one late), rejected
    a = services.application_intake(id_number=people[0][0], name=people[0][1], region="610112", category="dibao",
                                    requested_amount=69000, reason="因病失去劳动能力", actor=cw)
    services.application_review(application=a, actor=cw2, note="入户核查属实")
    services.application_confirm(application=a, actor=ap, start=today.replace(day=1))
    b = services.application_intake(id_number=people[1][0], name=people[1][1], region="610113", category="tekun",
                                    requested_amount=98000, reason="无劳动能力、无生活来源、无赡养人", actor=cw)
    services.application_review(application=b, actor=cw2, note="材料齐全")
    services.application_intake(id_number=people[2][0], name=people[2][1], region="610104", category="dibao",
                                requested_amount=50000, reason="下岗失业", actor=cw,
                                received_on=today - dt.timedelta(days=45))
    d = services.application_intake(id_number=people[3][0], name=people[3][1], region="610112", category="dibao",
                                    requested_amount=60000, reason="收入不稳定", actor=cw)
    services.application_reject(application=d, actor=cw2, reason="家庭人均收入高于当地低保标准")
    e = services.application_intake(id_number=people[4][0], name=people[4][1], region="610111", category="temporary",
                                    requested_amount=300000, reason="住房失火", actor=cw)
    services.application_review(application=e, actor=cw2)
    services.application_confirm(application=e, actor=ap2)

    # temporary aid: 小额快救; above threshold approved; 急难发生地 for a non-resident (Anhui ID)
    services.temporary_aid_create(id_number=people[3][0], name=people[3][1], region="610112", kind="emergency",
                                  amount=80000, reason="突发疾病，急需生活费", actor=cw)
    big = services.temporary_aid_create(id_number=people[2][0], name=people[2][1], region="610104", kind="transition",
                                        amount=250000, reason="等待低保认定期间基本生活困难", actor=cw)
    services.temporary_aid_approve(aid=big, actor=ap)
    services.temporary_aid_create(id_number=_id("341602", "19880909", 612), name="外地务工人员", region="610103",
                                  kind="emergency", amount=50000, reason="在西安务工期间钱物被盗，滞留车站",
                                  actor=cw)
    services.temporary_aid_create(id_number=people[5][0], name=people[5][1], region="610112", kind="supplement",
                                  form="in_kind", amount=30000, goods="棉被两床、米面油", reason="寒潮期间独居老人",
                                  actor=cw)

    # street relief: shelters, a cold-wave alert, a patrol night
    shelters = [
        services.shelter_create(kind="warming", name="西安市救助管理站避寒中心", region="610112",
                                address="未央区凤城路", capacity=120, latitude=34.3285, longitude=108.9398, actor=cw),
        services.shelter_create(kind="station", name="钟楼临时救助点", region="610103", address="碑林区东大街",
                                capacity=20, latitude=34.2610, longitude=108.9470, actor=cw),
        services.shelter_create(kind="guide", name="火车站求助引导点", region="610102", address="新城区环城北路",
                                capacity=0, latitude=34.2797, longitude=108.9629, actor=cw),
    ]
    services.cold_wave_alert_create(region="610100", level="orange", starts_on=today - dt.timedelta(days=1),
                                    ends_on=today + dt.timedelta(days=4), patrols_per_day=4, actor=ap)
    stock = services.inventory_create(name="救助站车载物资", region="610100", food=200, clothing=80, bedding=60,
                                      actor=cw)
    night = now - dt.timedelta(hours=3)
    patrol = services.patrol_create(region="610103", area="钟楼—北大街—火车站", started_at=night,
                                    members="李民政、王队员、张司机", vehicle="陕A·J1234", vehicles_sent=3,
                                    inventory=stock, actor=cw)
    services.encounter_create(patrol=patrol, actor=cw, at=night + dt.timedelta(minutes=20), location="北大街地下通道",
                              condition="cold", outcome="shelter", shelter=shelters[0], food=2, clothing=1, bedding=1,
                              unidentified_description="男性，约60岁，灰色棉衣，说不清住址")
    services.encounter_create(patrol=patrol, actor=cw, at=night + dt.timedelta(minutes=50), location="火车站广场",
                              condition="hungry", outcome="refused", food=3, bedding=1,
                              help_contact="留下救助热线 12345 和引导点地址",
                              id_number=_id("622101", "19790411", 615), name="陈过客")
    services.encounter_create(patrol=patrol, actor=cw, at=night + dt.timedelta(minutes=80), location="钟楼公交站",
                              condition="cold", outcome="escorted", vulnerable="minor", escort_with="police",
                              handed_to="西安市未成年人救助保护中心 值班员", food=1, clothing=2,
                              unidentified_description="男孩，约12岁，离家出走")
    u = services.encounter_create(patrol=patrol, actor=cw, at=night + dt.timedelta(minutes=110),
                                  location="东大街", condition="ill", outcome="shelter", shelter=shelters[1], food=1,
                                  unidentified_description="女性，约50岁，患病").unidentified
    services.unidentified_link(unidentified=u, id_number=_id("610124", "19751120", 620), name="刘阿姨", actor=cw)

    # visits
    services.visit_create(household=people[5][3], visited_on=today, kind="cold_wave", notes="检查取暖设施，送去棉被",
                          goods="棉被两床", cash=20000, actor=cw)
    services.visit_create(household=people[0][3], visited_on=today - dt.timedelta(days=3), kind="holiday",
                          notes="元旦慰问", goods="米面油", cash=50000, actor=cw)

    # a lapsing enrolment, then the scan (the cold wave finds 孙独居, 78, living alone)
    assistance_services.enrolment_create(id_number=people[4][0], category="low_income", monthly_amount=30000,
                                         start=today - dt.timedelta(days=330), end=today + dt.timedelta(days=20),
                                         actor=cw)
    counts = services.discovery_scan(today=today)
    stdout.write(f"casework: 申请 5 件、临时救助 5 笔、巡查 1 次（救助 4 人次）、场所 3 处、走访 2 次、主动发现 {counts}")
