"""One small data set that puts every journey's pages into a realistic state (for the accessibility and
language checks): a paid batch with a household, an insured worker with a parent, two certificates."""

import datetime as dt
from urllib.parse import urlsplit

from assistance import services as assistance
from assistance.models import Batch, Household
from portal.models import Role
from skills_training import services as training
from skills_training.certificates import verify_url
from tests.e2e.conftest import wait_until
from tests.e2e.test_approver_journey import seed_batch
from tests.factories import UserFactory
from tests.medical_pooling.factories import insured, relation
from tests.skills_training.factories import InstitutionFactory, candidate_id


def _qr(cert) -> str:
    url = urlsplit(verify_url(cert))
    return f"{url.path}?{url.query}"


def seed(make_user) -> dict:
    cw = make_user(Role.CASEWORKER, "610100", username="a11y_cw", first_name="李民政")
    ap = make_user(Role.APPROVER, "610100", username="a11y_ap", first_name="赵审批")
    batch = seed_batch(cw)
    assistance.batch_approve(batch=batch, actor=ap)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID, message="batch paid")
    household = Household.objects.get()

    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    parent = insured(scheme="resident", region="341600", person_region="341602")
    UserFactory(role=Role.INSURED, region_id=None, person=worker.person, username="a11y_insured",
                first_name=worker.person.name)
    relation(worker, parent, 120000)
    make_user(Role.INSURANCE_OFFICER, None, username="a11y_officer", first_name="孙医保")

    trainer = make_user(Role.TRAINING_STAFF, "341600", username="a11y_trainer", first_name="陈培训")
    school = InstitutionFactory(name="亳州市药膳职业培训学校")
    certs = []
    for seq, name in ((31, "王建国"), (32, "李秀英")):
        a = training.assessment_record(candidate_id_number=candidate_id(seq), candidate_name=name, level=5,
                                       years_in_trade=2, theory_score=82, practical_scores=[70, 75, 80],
                                       institution=school, sat_on=dt.date(2026, 1, 15), actor=trainer)
        certs.append(a.certificate)
    training.certificate_revoke(number=certs[1].number, reason="考试舞弊，成绩作废", actor=trainer)
    sitting = training.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"],
                                      assessors=["张评委", "李评委", "王评委"], institution=school, actor=trainer)
    training.candidate_admit(sitting=sitting, id_number=candidate_id(33), name="赵敏", actor=trainer)
    make_user(Role.ADMIN, None, username="a11y_admin", first_name="系统管理员")
    training.brand_event_save(kind="expo", name="第8届亳州药膳产品展销会", held_on=dt.date(2025, 10, 16),
                              place="亳州中药材交易中心", region_code="341602", trades=["cuisine", "tea"],
                              participants=2250, deals_signed=33, deal_amount=164_000_000, jobs_offered=505,
                              actor=trainer)
    training.pilot_region_save(region_code="341600", standard_code="4-03-02-01", approved_by="人力资源社会保障部",
                               actor=trainer)

    # a second batch waiting for approval (the approve/send-back forms, the deadline warning)
    scheme2 = assistance.scheme_create(name="未央区一次性生活补贴", kind="one_time", region="610112", unit="person",
                                       categories=["dibao"], urban_amount=80000, rural_amount=70000, budget=10**7,
                                       deadline=dt.date(2026, 2, 10), actor=cw)
    draft = assistance.batch_create(scheme=scheme2, region="610112", actor=cw)
    wait_until(lambda: Batch.objects.get(pk=draft.pk).status == Batch.Status.DRAFT, message="draft built")

    b, h, c = batch.pk, household.pk, certs[0].number
    return {
        "a11y_cw": ["/", "/assistance/households/", "/assistance/households/new/", f"/assistance/households/{h}/",
                    f"/assistance/enrolments/new/?member={household.members.first().pk}", "/assistance/schemes/",
                    "/assistance/schemes/new/", "/assistance/batches/", "/assistance/batches/new/",
                    f"/assistance/batches/{b}/", f"/assistance/batches/{b}/payments/", "/assistance/progress/",
                    f"/assistance/progress/{batch.scheme_id}/610112/",
                    "/assistance/enrolments/", f"/assistance/enrolments/?household={h}",
                    f"/assistance/batches/{b}/payments/?q=赵大勇", "/assistance/households/?region=610112",
                    f"/assistance/batches/{draft.pk}/"],
        "a11y_ap": ["/", "/assistance/batches/?status=draft", f"/assistance/batches/{b}/", f"/assistance/batches/{draft.pk}/",
                    f"/assistance/batches/{b}/payments/?status=failed"],
        "a11y_insured": ["/", "/pooling/", "/pooling/relations/new/"],
        "a11y_officer": ["/pooling/statistics/", "/pooling/statistics/?month_from=2025-01&month_to=2026-12"],
        "a11y_trainer": ["/", "/training/assessments/", "/training/assessments/new/", "/training/certificates/",
                         f"/training/certificates/{c}/", f"/training/sittings/{sitting.pk}/",
                         f"/training/sittings/{sitting.pk}/scores/", "/training/dashboard/", "/training/brand/",
                         "/training/brand/events/new/", "/training/brand/trades/new/", "/training/brand/pilots/new/",
                         "/training/classes/new/", f"/training/institutions/{school.pk}/edit/"],
        # (the audit list and the login log show action codes and browser identifiers, which are data)
        "a11y_admin": ["/admin/", "/admin/assistance/household/", "/admin/assistance/payment/",
                       "/admin/axes/accessattempt/", "/admin/skills_training/sitting/"],
        None: ["/accounts/login/", "/training/verify/", _qr(certs[0]), _qr(certs[1])],
    }


MOBILE = {"a11y_insured", None}
