"""Demo: the Bozhou herbal-cuisine school (亳州市药膳职业培训学校) with classes, trainees, assessments and
certificates (one revoked). Prints a valid and a revoked certificate to try the public verification."""

import datetime as dt

from portal.idnumber import make
from portal.models import User

from . import services
from .models import Award, Certificate, PromotionRule, TrainingInstitution

SCHOOL_CODE = "BZYS0001"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["秀英", "建华", "桂兰", "志强", "丽娟", "国庆", "海燕", "文博", "春梅", "德明", "晓红", "永刚"]
CLASSES = [
    ("2025年春季药膳制作师五级班", 5, dt.date(2025, 3, 3), dt.date(2025, 4, 25), "陈立新"),
    ("2025年秋季药膳制作师五级班", 5, dt.date(2025, 9, 1), dt.date(2025, 10, 31), "刘素珍"),
    ("2025年药膳制作师四级提升班", 4, dt.date(2025, 6, 2), dt.date(2025, 7, 18), "陈立新"),
    ("2026年药膳制作师三级研修班", 3, dt.date(2026, 3, 2), dt.date(2026, 4, 17), "华仲景"),
]


def _trainee(i: int) -> tuple[str, str]:
    birth = f"{1975 + i % 25}{1 + i % 12:02d}{1 + i % 28:02d}"
    county = "341602" if i % 3 else "341621"  # 谯城区 / 涡阳县
    return make(f"{county}{birth}{100 + i:03d}"), SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 5) % len(GIVEN)]


def _print(stdout, valid, revoked):
    stdout.write("药膳制作师证书查验（无需登录）：/training/verify/")
    stdout.write(f"  有效证书  编号 {valid.number}  姓名 {valid.holder_name}")
    stdout.write(f"  已撤销    编号 {revoked.number}  姓名 {revoked.holder_name}")


def seed(stdout):
    actor = User.objects.filter(username="trainer").first() or User.objects.filter(is_superuser=True).first()
    if TrainingInstitution.objects.filter(code=SCHOOL_CODE).exists():
        valid = Certificate.objects.filter(status="valid", evaluator__code=SCHOOL_CODE).order_by("id").first()
        revoked = Certificate.objects.filter(status="revoked", evaluator__code=SCHOOL_CODE).order_by("id").first()
        if valid and revoked:
            _print(stdout, valid, revoked)
        return
    school = services.institution_create(
        code=SCHOOL_CODE, name="亳州市药膳职业培训学校", region_code="341602", evaluator_code="660001",
        evaluator_type="S", address="安徽省亳州市谯城区药都路", actor=actor)
    services.institution_create(code="BZYS0002", name="涡阳县职业技能培训中心", region_code="341621", actor=actor)

    # two trainees come from assisted households (就业帮扶 referrals), referred by the Bozhou caseworker
    referrer = User.objects.filter(username="caseworker_bz").first() or actor
    for i in (0, 4):
        id_number, person_name = _trainee(i)
        services.referral_create(id_number=id_number, name=person_name, level_wanted=5, region_code="341602",
                                 note="低保家庭成员，经民政转介", actor=referrer)
    trainee = 0
    for name, level, starts, ends, teacher in CLASSES:
        klass = services.class_create(institution=school, name=name, level=level, starts_on=starts, ends_on=ends,
                                      teacher=teacher, capacity=40, sessions=60, actor=actor)
        sitting = services.sitting_create(level=level, sat_on=ends + dt.timedelta(days=7), institution=school,
                                          invigilators=["周监考"], assessors=["张评委", "李评委", "王评委"], actor=actor)
        for _ in range(10):
            id_number, person_name = _trainee(trainee)
            enrolment = services.enrolment_create(training_class=klass, id_number=id_number, name=person_name,
                                                  actor=actor)
            services.enrolment_update(enrolment=enrolment, attendance=52 + trainee % 9,
                                      completed=trainee % 10 != 9, actor=actor)
            if trainee % 10 == 9:  # did not finish the class: no sitting
                trainee += 1
                continue
            theory = 55 + (trainee * 7) % 45
            practical = [60 + (trainee * 3) % 38, 58 + (trainee * 5) % 40, 62 + (trainee * 11) % 36]
            years = {5: 1, 4: 5, 3: 10}[level]
            services.assessment_record(
                candidate_id_number=id_number, candidate_name=person_name, level=level, years_in_trade=years,
                theory_score=theory, practical_scores=practical, sitting=sitting, actor=actor)
            trainee += 1

    certificates = list(Certificate.objects.filter(evaluator=school).order_by("id"))
    revoked = services.certificate_revoke(number=certificates[1].number, reason="考试期间替考，经核实撤销", actor=actor)
    services.certificate_reissue(number=certificates[2].number, reason="证书遗失，本人申请补发", actor=actor)
    promoted = _competition(school, actor)
    followups = _followups(school, actor)
    _published_sitting(school, actor, stdout)
    events = _brand(actor)
    stdout.write(f"药膳制作师：{trainee} 名学员、{len(certificates)} 张评价证书（1 张已撤销）、"
                 f"技能大赛晋升 {promoted} 人、就业回访 {followups} 人；"
                 f"“亳州养生”品牌活动 {events} 场，亳州为药膳制作师标准先行试点地区。")
    _print(stdout, certificates[0], revoked)


# Anhui's promotion rules (data): award at a tier -> levels up / level for those without a certificate.
PROMOTION_RULES = [
    ("national", Award.GOLD, 1, 3, 2), ("national", Award.SILVER, 1, 4, 2), ("national", Award.BRONZE, 1, 4, 3),
    ("provincial", Award.GOLD, 1, 4, 3), ("provincial", Award.SILVER, 1, 4, 3), ("city", Award.GOLD, 1, 5, 4),
]
DISHES = ["茯苓牛骨髓", "当归生姜羊肉汤", "黄芪炖乌鸡", "芍药花糕", "山药枸杞粥", "百合莲子羹", "天麻鱼头汤", "菊花茶酥"]
AWARDS = [Award.GOLD, Award.SILVER, Award.SILVER, Award.BRONZE, Award.BRONZE, Award.EXCELLENCE, Award.EXCELLENCE,
          Award.NONE]


def _competition(school, actor) -> int:
    for tier, award, up, grant, highest in PROMOTION_RULES:
        PromotionRule.objects.get_or_create(region_id="340000", tier=tier, award=award, defaults={
            "levels_up": up, "grant_level": grant, "highest_level": highest})
    competition = services.competition_create(name="全国药膳制作技能大赛", edition=6, tier="national",
                                              region_code="341602", held_on=dt.date(2025, 9, 20), organiser=school,
                                              actor=actor)
    promoted = 0
    for i, dish in enumerate(DISHES):
        id_number, name = _trainee(i * 3)
        entry = services.entry_create(competition=competition, id_number=id_number, name=name, dish_name=dish,
                                      actor=actor)
        judges = {f"{j}评委": 96 - i * 3 - (j_i % 3) for j_i, j in enumerate("赵钱孙李周")}
        services.entry_score(entry=entry, scores=judges, actor=actor)
        services.entry_award(entry=entry, award=AWARDS[i], actor=actor)
        if AWARDS[i] in (Award.GOLD, Award.SILVER):
            services.promotion_apply(entry=entry, actor=actor, issued_on=dt.date(2025, 10, 8))
            promoted += 1
    return promoted


OUTCOMES = [  # outcome, brand, employer, before, after (yuan/month), jobs created
    ("restaurant", "cuisine", "华佗药膳坊", 2800, 9800, 18), ("employed", "cuisine", "亳州古井大酒店", 2500, 5200, 2),
    ("tea_shop", "tea", "药都养生茶饮", 2200, 7600, 12), ("massage_shop", "massage", "五禽戏推拿馆", 2600, 8200, 14),
    ("employed", "cuisine", "济人药业职工食堂", 2000, 4800, 1), ("restaurant", "cuisine", "芍花园药膳馆", 3000, 11000, 20),
    ("employed", "tea", "亳州养生茶业公司", 1800, 4200, 0), ("not_working", "cuisine", "", 1500, 1500, 0),
]


def _followups(school, actor) -> int:
    certs = Certificate.objects.filter(evaluator=school, status="valid", source="assessment",
                                       issued_on__lte=dt.date(2025, 12, 31)).select_related("holder").order_by("id")
    done = 0
    for i, cert in enumerate(certs[:16]):
        outcome, brand, employer, before, after, jobs = OUTCOMES[i % len(OUTCOMES)]
        services.followup_record(certificate=cert, followed_on=cert.issued_on + dt.timedelta(days=190),
                                 outcome=outcome, brand=brand, employer=employer, income_before=before * 100,
                                 income_after=after * 100, jobs_created=jobs, actor=actor)
        done += 1
    return done





def _published_sitting(school, actor, stdout):
    """A sitting run as a whole: assessors in the register, tickets, a score sheet, its results in 公示."""
    panel = ["郑考评", "冯考评", "陈考评"]
    for i, name in enumerate(panel):
        number, _name = _trainee(850 + i)
        services.assessor_create(name=name, id_number=number, region_code="341602", qualification_no=f"KPY-2025-{i + 1:03d}",
                                 levels=[5, 4, 3], valid_until=dt.date(2028, 12, 31), institution=school, actor=actor)
    sitting = services.sitting_create(level=5, sat_on=dt.date.today() - dt.timedelta(days=3), institution=school,
                                      invigilators=["周监考"], assessors=panel, actor=actor)
    rows = []
    for i in range(6):
        number, name = _trainee(800 + i)
        services.candidate_admit(sitting=sitting, id_number=number, name=name, actor=actor)
        rows.append({"id_number": number, "name": name, "years_in_trade": "2", "theory_score": str(70 + i * 4),
                     "review_score": "", "scores": dict(zip(panel, [str(58 + i * 5), str(62 + i * 4), str(60 + i * 5)],
                                                            strict=True))})
    services.sitting_results_import(sitting=sitting, rows=rows, actor=actor)
    sitting = services.sitting_results_publish(sitting=sitting, actor=actor)
    stdout.write(f"考试场次 /training/sittings/{sitting.pk}/：6 名考生，成绩公示至 {sitting.notice_until}，期满发证。")


def _brand(actor) -> int:
    """The brand 亳州养生 (its trades are seeded by the migration): 亳州 as the standard's pilot region, and
    its events as the seed counts them — 7 national herbal-cuisine forums, 8 large product expos — plus a job
    fair. Dates, places and figures of the single events are demo values (the seed gives only the counts)."""
    from .models import BrandTrade, Standard

    standard = Standard.objects.filter(code="4-03-02-01").first()
    if standard is not None:
        services.pilot_region_save(region_code="341600", standard_code=standard.code, approved_by="人力资源社会保障部",
                                   note="药膳制作师国家职业标准由亳州牵头开发，亳州获批标准先行试点地区", actor=actor)
    trades = list(BrandTrade.objects.values_list("code", flat=True))
    count = 0
    for i in range(7):
        services.brand_event_save(kind="forum", name=f"第{i + 1}届全国药膳学术论坛", held_on=dt.date(2019 + i, 9, 18),
                                  place="亳州市国际会展中心", region_code="341602", trades=["cuisine"],
                                  participants=300 + 40 * i, note="演示数据", actor=actor)
        count += 1
    for i in range(8):
        services.brand_event_save(kind="expo", name=f"第{i + 1}届亳州药膳产品展销会", held_on=dt.date(2018 + i, 10, 16),
                                  place="亳州中药材交易中心", region_code="341602", trades=trades,
                                  participants=1200 + 150 * i, deals_signed=12 + 3 * i, deal_amount=(800 + 120 * i) * 1_000_000,
                                  jobs_offered=260 + 35 * i, note="演示数据", actor=actor)
        count += 1
    services.brand_event_save(kind="job_fair", name="“亳州养生”劳务品牌专场招聘会", held_on=dt.date(2025, 3, 8),
                              place="亳州市人力资源市场", region_code="341602", trades=trades, participants=2100,
                              jobs_offered=860, note="演示数据", actor=actor)
    return count + 1

