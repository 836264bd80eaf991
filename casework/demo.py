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
    _seed_rest(stdout, cw=cw, cw2=cw2, ap=ap, shelters=shelters, stock=stock, today=today, now=now)
    counts = services.discovery_scan(today=today)
    stdout.write(f"casework: 申请 5 件、临时救助 5 笔、巡查 1 次（救助 4 人次）、场所 3 处、走访 2 次、主动发现 {counts}")


def _seed_rest(stdout, *, cw, cw2, ap, shelters, stock, today, now):
    """Issue 17: people checking in and out of a shelter, a patrol with its crew, hand-overs in each state,
    a disaster event past its transition period with its reviews opened, and heating temporary aid."""
    bz = User.objects.filter(username="caseworker_bz").first()
    # a shelter day to day: three check in, one leaves
    centre = shelters[0]
    stays = [services.shelter_check_in(shelter=centre, actor=cw, id_number=_id("610112", birth, 630 + i), name=name,
                                       at=now - dt.timedelta(hours=20 - i))
             for i, (birth, name) in enumerate([("19600101", "王避寒"), ("19580505", "赵避寒"), ("19710707", "钱避寒")])]
    services.shelter_check_out(stay=stays[0], actor=cw, destination="投靠亲属（未央区）")
    services.patrol_create(region="610112", area="未央路—凤城八路", started_at=now - dt.timedelta(hours=1),
                           staff=[cw2], vehicle="陕A·J5678", vehicles_sent=1, inventory=stock, actor=cw)
    # hand-overs home to Bozhou (Anhui): waiting (overdue), acknowledged, received
    if bz is not None:
        hs = [services.handover_create(region="610103", to_region="341602", method=method, escort_by=escort,
                                       depart_at=now - dt.timedelta(hours=hours), destination="亳州市救助管理站",
                                       id_number=_id("341602", birth, 640 + i), name=name, actor=cw)
              for i, (method, escort, hours, birth, name) in enumerate([
                  ("train", "王队员 138****1234，G 字头列车", 30, "19850303", "皖籍返乡甲"),
                  ("escort", "李民政、张司机，专车护送", 10, "19920404", "皖籍返乡乙"),
                  ("family", "其兄到站接回", 50, "19790909", "皖籍返乡丙")])]
        services.handover_acknowledge(handover=hs[1], actor=bz, note="已安排接站")
        services.handover_acknowledge(handover=hs[2], actor=bz)
        services.handover_complete(handover=hs[2], actor=bz, note="已交其兄，返回谯城区住所")
    # a disaster past its transition period: living aid in both phases, then the reviews
    start = today - dt.timedelta(days=75)
    event = services.disaster_event_create(region="610100", kind="snow", name="蓝田县低温雨雪冰冻灾害",
                                           area="蓝田县汤峪镇、玉川镇", occurred_on=start,
                                           emergency_ends_on=start + dt.timedelta(days=10),
                                           transition_ends_on=start + dt.timedelta(days=60), actor=cw)
    affected = [services.disaster_household_add(event=event, id_number=_id("610122", birth, 650 + i), name=name,
                                                people=n, damage=damage, region="610122", actor=cw)
                for i, (birth, name, n, damage) in enumerate([
                    ("19660606", "蓝田甲", 4, "collapsed"), ("19700808", "蓝田乙", 2, "severe"),
                    ("19800202", "蓝田丙", 3, "moderate")])]
    for a in affected:
        services.disaster_aid_pay(affected=a, phase="emergency", amount=80000, granted_on=start + dt.timedelta(days=2),
                                  actor=cw)
    services.disaster_aid_pay(affected=affected[0], phase="transition", amount=60000,
                              granted_on=start + dt.timedelta(days=30), actor=cw)
    services.disaster_review_open(today=today)
    services.disaster_review_resolve(affected=affected[2], outcome="none", reason="已恢复生产，家庭收入稳定", actor=cw)
    # heating temporary aid for a household no heating scheme covers
    hh = assistance_services.household_create(
        region="610112", area="urban", address="未央区演示路99号（低保边缘）",
        members=[{"name": "冯取暖", "id_number": _id("610112", "19560312", 660), "relation": "head"}],
        bank_account="6222020200112299999", actor=cw)
    services.heating_aid_grant(household=hh, amount=50000, reason="低保边缘家庭，未纳入取暖救助，老人冬季取暖困难",
                               actor=cw)
    stdout.write("casework: 场所入住 3 人次（离站 1）、跨区域转送 3 件（待签收/已签收/已接收）、"
                 "灾害事件 1 起（过渡期已结束，复核任务 3 户）、取暖临时救助 1 户")
