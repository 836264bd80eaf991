"""Competitions: judges' scores, awards, promotion by regional rules (data) at most once a year; follow-up; dashboard."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from skills_training import services
from skills_training.models import Award, Certificate, EmploymentFollowUp, PromotionRule

from .factories import ASSESS, InstitutionFactory, body, candidate_id

pytestmark = pytest.mark.django_db
JUDGES = {"赵": 90, "钱": 88, "孙": "85.5"}


@pytest.fixture
def competition(trainer):
    PromotionRule.objects.create(region_id="340000", tier="national", award=Award.GOLD, levels_up=1, grant_level=3,
                                 highest_level=2)
    PromotionRule.objects.create(region_id="340000", tier="national", award=Award.SILVER, levels_up=1, grant_level=4,
                                 highest_level=3)
    return services.competition_create(name="全国药膳制作技能大赛", edition=6, tier="national", region_code="341602",
                                       held_on=dt.date(2026, 9, 20), organiser=InstitutionFactory(), actor=trainer)


def _winner(competition, trainer, seq=1, name="王建国", award=Award.GOLD, dish="茯苓牛骨髓"):
    entry = services.entry_create(competition=competition, id_number=candidate_id(seq), name=name, dish_name=dish,
                                  actor=trainer)
    services.entry_score(entry=entry, scores=JUDGES, actor=trainer)
    return services.entry_award(entry=entry, award=award, actor=trainer)


def test_judge_scores_mean_and_minimum(competition, trainer):
    entry = _winner(competition, trainer)
    assert str(entry.final_score) == "87.83"  # 263.5 / 3, truncated
    with pytest.raises(ValidationError):
        services.entry_score(entry=entry, scores={"赵": 90, "钱": 80}, actor=trainer)


def test_promotion_without_certificate_grants_rule_level(competition, trainer):
    cert = services.promotion_apply(entry=_winner(competition, trainer), actor=trainer)
    assert cert.level.number == 3 and cert.source == "competition"
    assert cert.number[1:7] == competition.organiser.evaluator_code


def test_promotion_raises_held_level_and_respects_cap(competition, trainer, staff_api):
    assert staff_api.post(ASSESS, body(seq=2, candidate_name="李芳", level=4, years_in_trade=5),
                          format="json").status_code == 201
    silver = _winner(competition, trainer, seq=2, name="李芳", award=Award.SILVER)
    cert = services.promotion_apply(entry=silver, actor=trainer)
    assert cert.level.number == 3
    # silver's cap is level 3: a level-3 holder cannot climb further with silver next year
    other = services.competition_create(name="全国药膳制作技能大赛", edition=7, tier="national", region_code="341602",
                                        held_on=dt.date(2027, 9, 20), actor=trainer)
    again = _winner(other, trainer, seq=2, name="李芳", award=Award.SILVER)
    with pytest.raises(ValidationError, match="最高等级"):
        services.promotion_apply(entry=again, actor=trainer, issued_on=dt.date(2027, 10, 1))


def test_promotion_at_most_once_a_year(competition, trainer):
    services.promotion_apply(entry=_winner(competition, trainer), actor=trainer, issued_on=dt.date(2026, 10, 1))
    second = services.competition_create(name="省药膳技能大赛", edition=3, tier="national", region_code="341602",
                                         held_on=dt.date(2026, 11, 1), actor=trainer)
    entry = _winner(second, trainer)
    with pytest.raises(ValidationError, match="每年最多"):
        services.promotion_apply(entry=entry, actor=trainer, issued_on=dt.date(2026, 12, 1))
    assert Certificate.objects.filter(source="competition").count() == 1
    cert = services.promotion_apply(entry=entry, actor=trainer, issued_on=dt.date(2027, 1, 5))
    assert cert.level.number == 2  # 3 -> 2 under gold's rule, the next year


def test_no_rule_no_promotion(competition, trainer):
    entry = _winner(competition, trainer, award=Award.EXCELLENCE)
    with pytest.raises(ValidationError, match="晋升规则"):
        services.promotion_apply(entry=entry, actor=trainer)


def test_county_rule_overrides_province(competition, trainer):
    PromotionRule.objects.create(region_id="341602", tier="national", award=Award.GOLD, levels_up=1, grant_level=4,
                                 highest_level=2)
    assert services.promotion_apply(entry=_winner(competition, trainer), actor=trainer).level.number == 4


def test_out_of_region_staff_cannot_touch(competition, trainer_xian):
    with pytest.raises(PermissionDenied):
        services.entry_create(competition=competition, id_number=candidate_id(9), name="某", dish_name="x",
                              actor=trainer_xian)


def test_competition_pages(client, competition, trainer, trainer_xian):
    entry = _winner(competition, trainer)
    client.force_login(trainer)
    page = client.get(f"/training/competitions/{competition.pk}/").content.decode()
    assert "茯苓牛骨髓" in page and "87.83" in page
    response = client.post(f"/training/entries/{entry.pk}/promote/")
    assert response.status_code == 302 and "/training/certificates/" in response["Location"]
    client.force_login(trainer_xian)
    assert client.get(f"/training/competitions/{competition.pk}/").status_code == 404


def _old_certificate(staff_api):
    response = staff_api.post(ASSESS, body(seq=5, candidate_name="赵敏", sat_on="2025-01-10"), format="json")
    return Certificate.objects.get(number=response.json()["certificate"]["number"])


def test_followup_after_six_months_only(staff_api, trainer):
    cert = _old_certificate(staff_api)
    with pytest.raises(ValidationError, match="六个月"):
        services.followup_record(certificate=cert, followed_on=dt.date(2025, 3, 1), outcome="employed", actor=trainer)
    f = services.followup_record(certificate=cert, followed_on=dt.date(2025, 7, 20), outcome="restaurant",
                                 income_before=250000, income_after=900000, jobs_created=8, actor=trainer)
    assert f.region_id == cert.region_id and EmploymentFollowUp.objects.count() == 1


def test_followup_form_and_dashboard(client, staff_api, trainer, caseworker):
    cert = _old_certificate(staff_api)
    client.force_login(trainer)
    response = client.post("/training/followups/", {
        "certificate_number": cert.number, "followed_on": "2025-08-01", "outcome": "tea_shop", "brand": "tea",
        "employer": "药都茶饮", "income_before": "2,200.00", "income_after": "7600", "jobs_created": 8})
    assert response.status_code == 302
    f = EmploymentFollowUp.objects.get()
    assert (f.income_before, f.income_after) == (220000, 760000)
    page = client.get("/training/dashboard/").content.decode()
    assert "<svg" in page and "<script" not in page.split('<main')[1].split("</main>")[0]
    assert 'data-stat="jobs_per_maker">8.0<' in page and 'data-stat="employment_rate">100.0%<' in page
    client.force_login(caseworker)
    assert client.get("/training/dashboard/").status_code == 403
