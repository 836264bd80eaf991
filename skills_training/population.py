"""Synthetic trainees, assessments and certificates for `manage.py generate_population`.

Set-based from the generated people, chunked by person id, deterministic from ctx.seed; rows as the
services write them (without the per-row audit events): 1% of people enrol in a 五级 class of the
evaluation organisation of their province (40 per class); 90% of them complete; 70% of those sit an
assessment (theory score, three assessor scores whose mean is the practical score); those who pass get
a certificate numbered as `services.certificate_number` does (S + evaluator code + province + site 001
+ year + level + serial per (evaluator, year, level)), and the CertificateSerial counters are set to
the last serial issued so later issuing continues after them.
"""

from django.db import connection

from portal.models import Region

from .models import (
    Assessment,
    AssessorScore,
    Certificate,
    CertificateSerial,
    ClassEnrolment,
    Level,
    TrainingClass,
    TrainingInstitution,
)

YEAR = 2026
PER_CLASS = 40


def h(expr: str, salt: int, seed: int, mod: int) -> str:
    return f"mod(hashint8(({expr})::bigint * 7919 + {salt * 104729 + seed})::bigint + 2147483648, {mod})"


def generate(ctx, stdout) -> str:
    s = ctx.seed
    first, last = ctx.first_person_id, ctx.last_person_id
    level = Level.objects.select_related("standard").get(number=5, standard__active=True)
    provinces = list(Region.objects.filter(level=Region.Level.PROVINCE).order_by("code").values_list("code", "name"))
    per_province = max(1, ctx.people // 100 // len(provinces) // PER_CLASS + 1)
    for code, name in provinces:
        inst, _ = TrainingInstitution.objects.get_or_create(
            code=f"BENCH-{code}", defaults={"name": f"{name}药膳职业技能评价中心", "region_id": code,
                                            "evaluator_code": f"{code[:2]}8801", "address": f"{name}"})
        for k in range(per_province - TrainingClass.objects.filter(institution=inst).count()):
            TrainingClass.objects.create(institution=inst, name=f"{name}药膳制作师五级班（第{k + 1}期）", level=level,
                                         starts_on=f"{YEAR}-03-01", ends_on=f"{YEAR}-05-31", teacher="王师傅",
                                         capacity=PER_CLASS, sessions=40)
    tc, ce, asm = TrainingClass._meta.db_table, ClassEnrolment._meta.db_table, Assessment._meta.db_table
    sc, cert, ser = AssessorScore._meta.db_table, Certificate._meta.db_table, CertificateSerial._meta.db_table
    ti = TrainingInstitution._meta.db_table
    trainee = f"{h('p.id', 31, s, 100)} = 0"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS pop_class")
        cur.execute(
            f"CREATE TEMP TABLE pop_class ON COMMIT DROP AS SELECT substr(i.region_id, 1, 2) AS prov, i.id AS inst_id,"
            f" i.name AS inst_name, i.evaluator_code, c.id AS class_id,"
            f" row_number() OVER (PARTITION BY i.id ORDER BY c.id) - 1 AS k"
            f" FROM {ti} i JOIN {tc} c ON c.institution_id = i.id WHERE i.code LIKE 'BENCH-%%'", [])
        lo = first
        while lo <= last:
            hi = min(lo + ctx.chunk - 1, last)
            rng = [lo, hi]
            cur.execute(
                f"INSERT INTO {ce} (training_class_id, person_id, attendance, completed, enrolled_at)"
                f" SELECT c.class_id, p.id, 32 + {h('p.id', 32, s, 9)}, {h('p.id', 33, s, 10)} < 9,"
                f" TIMESTAMPTZ '{YEAR}-02-20 09:00+08'"
                f" FROM portal_person p JOIN pop_class c ON c.prov = substr(p.id_number_masked, 1, 2)"
                f" AND c.k = {h('p.id', 34, s, per_province)}"
                f" WHERE p.id BETWEEN %s AND %s AND {trainee} ORDER BY p.id", rng)
            theory = f"(45 + {h('e.person_id', 35, s, 5500)} / 100.0)"
            practical = f"(51 + {h('e.person_id', 36, s, 48)})"
            cur.execute(
                f"INSERT INTO {asm} (candidate_id, candidate_name, level_id, rule_template, region_id, institution_id,"
                f" site_code, sitting_id, years_in_trade, theory_score, practical_score, review_score, theory_passed,"
                f" practical_passed, review_passed, theory_carried_from_id, practical_carried_from_id, passed, sat_on,"
                f" created_by_id, created_at)"
                f" SELECT e.person_id, p.name, %s, '2023', substr(p.id_number_masked, 1, 6), c.inst_id, '001', NULL,"
                f" 1 + {h('e.person_id', 37, s, 40)} / 10.0, {theory}, {practical}, NULL, {theory} >= 60,"
                f" {practical} >= 60, NULL, NULL, NULL, {theory} >= 60 AND {practical} >= 60,"
                f" DATE '{YEAR}-06-01' + {h('e.person_id', 38, s, 90)}::int, NULL, now()"
                f" FROM {ce} e JOIN portal_person p ON p.id = e.person_id"
                f" JOIN pop_class c ON c.class_id = e.training_class_id"
                f" WHERE e.person_id BETWEEN %s AND %s AND e.completed AND {h('e.person_id', 39, s, 10)} < 7"
                f" AND c.class_id IN (SELECT class_id FROM pop_class) ORDER BY e.person_id", [level.pk, *rng])
            cur.execute(
                f"INSERT INTO {sc} (assessment_id, position, assessor, score)"
                f" SELECT a.id, g.pos, '考评员' || g.pos, a.practical_score + g.pos - 2"
                f" FROM {asm} a CROSS JOIN generate_series(1, 3) AS g(pos)"
                f" WHERE a.candidate_id BETWEEN %s AND %s AND a.level_id = %s AND a.institution_id IN"
                f" (SELECT inst_id FROM pop_class) ORDER BY a.id, g.pos", [*rng, level.pk])
            lo = hi + 1
        # certificates: serials per evaluator continue after any already issued this year at this level
        cur.execute(
            f"INSERT INTO {cert} (number, holder_id, holder_name, id_type, id_number_hmac, id_number_enc,"
            f" id_number_masked, occupation, occupation_code,"
            f" level_id, evaluator_id, evaluator_name, evaluator_code, region_id, assessment_id, issued_on, status,"
            f" revoked_at, revoke_reason, reissue_count, reissue_note, source, created_at)"
            f" SELECT 'S' || x.evaluator_code || substr(x.region_id, 1, 2) || '001' || %s || '5'"
            f" || lpad((COALESCE(sr.last_serial, 0) + x.n)::text, 7, '0'),"
            f" x.candidate_id, x.candidate_name, '居民身份证',"
            f" p.id_number_hmac, p.id_number_enc, p.id_number_masked, %s, %s, x.level_id, x.institution_id,"
            f" x.inst_name, x.evaluator_code, x.region_id, x.id, x.sat_on, 'valid', NULL, '', 0, '', 'assessment', now()"
            f" FROM (SELECT a.*, c.evaluator_code, c.inst_name,"
            f" row_number() OVER (PARTITION BY a.institution_id ORDER BY a.id) AS n"
            f" FROM {asm} a JOIN (SELECT DISTINCT inst_id, inst_name, evaluator_code FROM pop_class) c"
            f" ON c.inst_id = a.institution_id"
            f" WHERE a.passed AND a.level_id = %s AND NOT EXISTS (SELECT 1 FROM {cert} z WHERE z.assessment_id = a.id)) x"
            f" JOIN portal_person p ON p.id = x.candidate_id"
            f" LEFT JOIN {ser} sr ON sr.evaluator_code = x.evaluator_code AND sr.year = %s AND sr.level = 5"
            f" ORDER BY x.id",
            [f"{YEAR % 100:02d}", level.standard.occupation, level.standard.code, level.pk, YEAR])
        cur.execute(
            f"INSERT INTO {ser} (evaluator_code, year, level, last_serial)"
            f" SELECT evaluator_code, %s, 5, MAX(substr(number, 16, 7)::int) FROM {cert}"
            f" WHERE substr(number, 13, 2) = %s AND substr(number, 15, 1) = '5' AND evaluator_code IN"
            f" (SELECT evaluator_code FROM pop_class) GROUP BY evaluator_code"
            f" ON CONFLICT (evaluator_code, year, level) DO UPDATE SET last_serial = EXCLUDED.last_serial",
            [YEAR, f"{YEAR % 100:02d}"])
        cur.execute(f"SELECT (SELECT COUNT(*) FROM {ce}), (SELECT COUNT(*) FROM {asm}), (SELECT COUNT(*) FROM {cert})")
        trainees, assessments, certificates = cur.fetchone()
        cur.execute("DROP TABLE pop_class")
    return f"{trainees:,} trainees, {assessments:,} assessments, {certificates:,} certificates"
