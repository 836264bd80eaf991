"""The write gate of skills_training: every write service refuses a wrong role and a wrong region with
PermissionDenied, before it changes anything (no audit row), whichever surface calls it.

Regions: the training factories place institutions in 谯城区 (341602) and the `trainer` fixture works for
亳州市 (341600), so the staff who may act hold 341600 (which covers 341602) and the ones who may not hold
120000 (天津市), outside it. No training service is nationwide: each is located in a region.
"""

import dataclasses
import datetime as dt

import pytest
from rest_framework.permissions import IsAuthenticated

from portal.models import AuditEvent
from portal.roles import Role
from skills_training import services
from skills_training.api.views import AssessmentListCreateView
from skills_training.models import Award, PromotionRule
from tests.write_gate import Case, check_walk, run_case

from .factories import ASSESS, BOZHOU, QIAOCHENG, InstitutionFactory, body, candidate_id

pytestmark = pytest.mark.django_db

TIANJIN = "120000"
JUDGES = {"赵": 90, "钱": 88, "孙": "85.5"}


def staff_case(call, world=lambda right: None) -> Case:
    """A training staff write: a caseworker of the same city is the wrong role, Tianjin's staff the wrong region."""
    return Case(call=call, world=world, right_role=Role.TRAINING_STAFF, wrong_role=Role.CASEWORKER,
                right_region=BOZHOU, wrong_region=TIANJIN)


# ---------------------------------------------------------------- worlds, built by a user who may act

def a_class(right):
    return services.class_create(institution=InstitutionFactory(), name="药膳五级一班", level=5,
                                 starts_on=dt.date(2026, 3, 1), ends_on=dt.date(2026, 4, 1), teacher="陈老师", actor=right)


def an_enrolment(right):
    return services.enrolment_create(training_class=a_class(right), id_number=candidate_id(1), name="王建国", actor=right)


def an_assessment(right, seq=1, sat_on=None):
    data = body(seq=seq)
    return services.assessment_record(candidate_id_number=data.pop("candidate_id_number"),
                                      candidate_name=data.pop("candidate_name"), institution=InstitutionFactory(),
                                      sat_on=sat_on, actor=right, **data)


def a_certificate(right):
    return an_assessment(right).certificate


def a_competition(right):
    return services.competition_create(name="全国药膳制作技能大赛", edition=6, tier="national", region_code=QIAOCHENG,
                                       held_on=dt.date(2026, 9, 20), organiser=InstitutionFactory(), actor=right)


def an_entry(right):
    return services.entry_create(competition=a_competition(right), id_number=candidate_id(2), name="李芳",
                                 dish_name="茯苓牛骨髓", actor=right)


def a_scored_entry(right):
    return services.entry_score(entry=an_entry(right), scores=JUDGES, actor=right)


def a_gold_entry(right):
    PromotionRule.objects.create(region_id="340000", tier="national", award=Award.GOLD, levels_up=1, grant_level=3,
                                 highest_level=2)
    return services.entry_award(entry=a_scored_entry(right), award=Award.GOLD, actor=right)


def an_old_certificate(right):
    return an_assessment(right, sat_on=dt.date(2025, 1, 10)).certificate


PANEL = ["张评委", "李评委", "王评委"]


def a_sitting(right):
    return services.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"], assessors=PANEL,
                                   institution=InstitutionFactory(), actor=right)


def sheet_row(seq=8, name="吴磊"):
    return {"id_number": candidate_id(seq), "name": name, "years_in_trade": "2", "theory_score": "80",
            "review_score": "", "scores": dict(zip(PANEL, ["70", "75", "80"], strict=True))}


def an_imported_sitting(right):
    sitting = a_sitting(right)
    services.sitting_results_import(sitting=sitting, rows=[sheet_row()], actor=right)
    return sitting


def a_published_sitting(right, now=None):
    return services.sitting_results_publish(sitting=an_imported_sitting(right), actor=right, now=now)


def a_published_assessment(right):
    return a_published_sitting(right).assessments.get()


def an_objection(right):
    return services.objection_record(assessment=a_published_assessment(right), raised_by="考生本人",
                                     reason="技能成绩计分有误", actor=right)


def a_sitting_past_notice(right):
    return a_published_sitting(right, now=dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC))


# ---------------------------------------------------------------- one case per write service

CASES = {
    "institution_create": staff_case(
        lambda actor, w: services.institution_create(code="BZ-GATE", name="亳州市药膳职业培训学校",
                                                     region_code=QIAOCHENG, actor=actor)),
    "class_create": staff_case(
        lambda actor, w: services.class_create(institution=w, name="药膳五级二班", level=5, starts_on=dt.date(2026, 3, 1),
                                               ends_on=dt.date(2026, 4, 1), teacher="刘老师", actor=actor),
        world=lambda right: InstitutionFactory()),
    "institution_update": staff_case(
        lambda actor, w: services.institution_update(institution=w, name="亳州市药膳学校", evaluator_code="660002",
                                                     address="药都路1号", actor=actor),
        world=lambda right: InstitutionFactory()),
    "class_update": staff_case(
        lambda actor, w: services.class_update(training_class=w, name="药膳五级一班（调整）",
                                               starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 4, 2),
                                               teacher="王老师", capacity=30, sessions=48, actor=actor),
        world=a_class),
    "enrolment_create": staff_case(
        lambda actor, w: services.enrolment_create(training_class=w, id_number=candidate_id(3), name="赵敏",
                                                   actor=actor),
        world=a_class),
    "enrolment_update": staff_case(
        lambda actor, w: services.enrolment_update(enrolment=w, attendance=38, completed=True, actor=actor),
        world=an_enrolment),
    "sitting_create": staff_case(
        lambda actor, w: services.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"],
                                                 assessors=["张评委", "李评委", "王评委"], institution=w, actor=actor),
        world=lambda right: InstitutionFactory()),
    "assessment_record": staff_case(
        lambda actor, w: services.assessment_record(
            candidate_id_number=candidate_id(4), candidate_name="刘洋", level=5, years_in_trade=2, theory_score=80,
            practical_scores=[70, 75, 80], institution=w, actor=actor),
        world=lambda right: InstitutionFactory()),
    "certificate_revoke": staff_case(
        lambda actor, w: services.certificate_revoke(number=w.number, reason="考试舞弊", actor=actor),
        world=a_certificate),
    "certificate_reissue": staff_case(
        lambda actor, w: services.certificate_reissue(number=w.number, reason="证书遗失", actor=actor),
        world=a_certificate),
    "competition_create": staff_case(
        lambda actor, w: services.competition_create(name="省药膳技能大赛", edition=3, tier="provincial",
                                                     region_code=QIAOCHENG, held_on=dt.date(2026, 11, 1), actor=actor)),
    "entry_create": staff_case(
        lambda actor, w: services.entry_create(competition=w, id_number=candidate_id(5), name="孙丽",
                                               dish_name="当归生姜羊肉汤", actor=actor),
        world=a_competition),
    "entry_score": staff_case(
        lambda actor, w: services.entry_score(entry=w, scores=JUDGES, actor=actor),
        world=an_entry),
    "entry_award": staff_case(
        lambda actor, w: services.entry_award(entry=w, award=Award.SILVER, actor=actor),
        world=a_scored_entry),
    "promotion_apply": staff_case(
        lambda actor, w: services.promotion_apply(entry=w, actor=actor),
        world=a_gold_entry),
    "followup_record": staff_case(
        lambda actor, w: services.followup_record(certificate=w, followed_on=dt.date(2025, 8, 1), outcome="employed",
                                                  income_before=150000, income_after=480000, actor=actor),
        world=an_old_certificate),
    "assessor_create": staff_case(
        lambda actor, w: services.assessor_create(name="郑考评", id_number=candidate_id(7), region_code=QIAOCHENG,
                                                  qualification_no="KPY-2025-001", levels=[5, 4],
                                                  valid_until=dt.date(2028, 12, 31), actor=actor)),
    "candidate_admit": staff_case(
        lambda actor, w: services.candidate_admit(sitting=w, id_number=candidate_id(9), name="冯云", actor=actor),
        world=a_sitting),
    "sitting_results_import": staff_case(
        lambda actor, w: services.sitting_results_import(sitting=w, rows=[sheet_row()], actor=actor),
        world=a_sitting),
    "sitting_results_publish": staff_case(
        lambda actor, w: services.sitting_results_publish(sitting=w, actor=actor),
        world=an_imported_sitting),
    "objection_record": staff_case(
        lambda actor, w: services.objection_record(assessment=w, raised_by="考生本人", reason="理论成绩有误",
                                                   actor=actor),
        world=a_published_assessment),
    "objection_resolve": staff_case(
        lambda actor, w: services.objection_resolve(objection=w, upheld=False, resolution="复核无误", actor=actor),
        world=an_objection),
    "sitting_certificates_issue": staff_case(
        lambda actor, w: services.sitting_certificates_issue(sitting=w, actor=actor),
        world=a_sitting_past_notice),
    # the labour brand 亳州养生
    "brand_trade_save": staff_case(
        lambda actor, w: services.brand_trade_save(code="gate_trade", name="药膳点心", region_code=BOZHOU,
                                                   standard_note="暂无国家职业标准", actor=actor)),
    "brand_event_save": staff_case(
        lambda actor, w: services.brand_event_save(kind="forum", name="药膳学术论坛", held_on=dt.date(2025, 9, 18),
                                                   place="亳州市", region_code=QIAOCHENG, participants=300,
                                                   actor=actor)),
    "pilot_region_save": staff_case(
        lambda actor, w: services.pilot_region_save(region_code=BOZHOU, standard_code="4-03-02-01",
                                                    approved_by="人力资源社会保障部", actor=actor)),
    # 就业帮扶: caseworkers refer; training staff of the same city may not
    "referral_create": Case(
        call=lambda actor, w: services.referral_create(id_number=candidate_id(6), name="周强", region_code=QIAOCHENG,
                                                       actor=actor),
        world=lambda right: None, right_role=Role.CASEWORKER, wrong_role=Role.TRAINING_STAFF,
        right_region=BOZHOU, wrong_region=TIANJIN),
}

EXEMPT = {
    "sittings_issue_due": "the daily job's step (skills_training.issue_due_certificates): no actor; "
                          "sitting_certificates_issue is the staff's gated action",
    "certificate_issue": "a step of assessment_record and promotion_apply, which pass the gate for the region "
                         "before they call it; no page, API or admin calls it, and the concurrency test in "
                         "test_certificates drives it without an actor",
}


def test_every_write_service_has_a_case():
    check_walk(services, CASES, EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gate(name):
    case = CASES[name]
    built = {}

    def world(right):
        built["right"], built["world"] = right, case.world(right)
        return built["world"]

    run_case(dataclasses.replace(case, world=world))
    case.call(built["right"], built["world"])  # and one who may act goes through: the refusals were the gate's


def test_api_refusal_is_403_and_writes_nothing(api, make_user, monkeypatch):
    caseworker = make_user(Role.CASEWORKER, BOZHOU, username="cw_bozhou")
    before = AuditEvent.objects.count()
    assert api(caseworker).post(ASSESS, body(), format="json").status_code == 403  # the endpoint's role check
    # with the endpoint open to anyone signed in, the service's own gate still answers 403
    monkeypatch.setattr(AssessmentListCreateView, "permission_classes", [IsAuthenticated])
    response = api(caseworker).post(ASSESS, body(), format="json")
    assert response.status_code == 403, response.json()
    assert AuditEvent.objects.count() == before
