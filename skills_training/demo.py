"""Demo: the Bozhou herbal-cuisine school (亳州市药膳职业培训学校) with classes, trainees, assessments and
certificates (one revoked). Prints a valid and a revoked certificate to try the public verification."""

import datetime as dt

from portal.idnumber import make
from portal.models import User

from . import services
from .models import Certificate, TrainingInstitution

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
        valid = Certificate.objects.filter(status="valid", evaluator__code=SCHOOL_CODE).first()
        revoked = Certificate.objects.filter(status="revoked", evaluator__code=SCHOOL_CODE).first()
        if valid and revoked:
            _print(stdout, valid, revoked)
        return
    school = services.institution_create(
        code=SCHOOL_CODE, name="亳州市药膳职业培训学校", region_code="341602", evaluator_code="660001",
        evaluator_type="S", address="安徽省亳州市谯城区药都路", actor=actor)
    services.institution_create(code="BZYS0002", name="涡阳县职业技能培训中心", region_code="341621", actor=actor)

    trainee = 0
    for name, level, starts, ends, teacher in CLASSES:
        klass = services.class_create(institution=school, name=name, level=level, starts_on=starts, ends_on=ends,
                                      teacher=teacher, capacity=40, sessions=60, actor=actor)
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
                theory_score=theory, practical_scores=practical, institution=school,
                sat_on=ends + dt.timedelta(days=7), assessors=["张评委", "李评委", "王评委"], actor=actor)
            trainee += 1

    certificates = list(Certificate.objects.filter(evaluator=school).order_by("id"))
    revoked = services.certificate_revoke(number=certificates[1].number, reason="考试期间替考，经核实撤销", actor=actor)
    services.certificate_reissue(number=certificates[2].number, reason="证书遗失，本人申请补发", actor=actor)
    stdout.write(f"药膳制作师：{trainee} 名学员、{len(certificates)} 张证书（1 张已撤销）。")
    _print(stdout, certificates[0], revoked)
