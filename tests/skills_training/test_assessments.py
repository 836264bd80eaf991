"""Scoring rules through POST /api/v1/training/assessments/."""

import datetime as dt

import pytest

from portal.models import AuditEvent, Role
from skills_training.models import Assessment, AssessorScore, Certificate

from .factories import ASSESS, body

pytestmark = pytest.mark.django_db


def post(client, **over):
    return client.post(ASSESS, body(**over), format="json")


@pytest.mark.parametrize(("theory", "practical", "passed"), [
    (60, [60, 60, 60], True),
    ("59.99", [60, 60, 60], False),
    (60, ["59.99", "59.99", "59.99"], False),
    (100, [0, 100, 80], True),           # mean exactly 60
    (100, [60, 60, "59.99"], True),      # mean 59.9966…: the score is 60.00 (rounded half up), passes
    (100, [60, "59.98", "59.99"], False),  # mean 59.99
    (100, [59, 61, 60], True),
    (0, [100, 100, 100], False),
])
def test_pass_mark_edges(staff_api, theory, practical, passed):
    response = post(staff_api, theory_score=theory, practical_scores=practical)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["passed"] is passed
    assert (data["certificate"] is not None) is passed
    assert Certificate.objects.count() == (1 if passed else 0)


def test_practical_is_decimal_mean_of_assessors(staff_api):
    data = post(staff_api, practical_scores=["70.50", "80.25", "75.10", "66", "90"]).json()
    assert data["practical_score"] == "76.37"  # 381.85 / 5
    assessment = Assessment.objects.get(pk=data["id"])
    assert AssessorScore.objects.filter(assessment=assessment).count() == 5


@pytest.mark.parametrize("scores", [[], [80], [80, 90], [80, 90, 70, 60], [70, 70, 70, 70, 70, 70]])
def test_even_or_fewer_than_three_assessors_refused(staff_api, scores):
    response = post(staff_api, practical_scores=scores)
    assert response.status_code == 400
    message = str(response.json())
    assert "奇数" in message or "两年内无可沿用" in message
    assert Assessment.objects.count() == 0


def test_score_out_of_range_refused(staff_api):
    assert post(staff_api, theory_score="100.01").status_code == 400
    assert post(staff_api, practical_scores=[80, 90, -1]).status_code == 400
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize("level", [1, 2])
def test_levels_two_and_one_need_panel_review(staff_api, level):
    over = {"level": level, "years_in_trade": 10, "title": 3 if level == 1 else 2}
    missing = post(staff_api, **over)
    assert missing.status_code == 400
    assert "综合评审" in str(missing.json()["review_score"])
    failed = post(staff_api, review_score="59.99", **over)
    assert failed.status_code == 201 and failed.json()["passed"] is False
    passed = post(staff_api, review_score=60, **over)
    assert passed.status_code == 201 and passed.json()["passed"] is True
    assert passed.json()["certificate"]["level"] == level


def test_level_three_has_no_review(staff_api):
    response = post(staff_api, level=3, years_in_trade=10)
    assert response.status_code == 201
    assert response.json()["passed"] is True and response.json()["review_score"] is None


def _fail_practical(client, days_ago):
    sat_on = (dt.date.today() - dt.timedelta(days=days_ago)).isoformat()
    response = post(client, theory_score=85, practical_scores=[50, 50, 50], sat_on=sat_on)
    assert response.status_code == 201 and response.json()["passed"] is False
    return response.json()["id"]


def test_resit_reuses_passed_theory_within_two_years(staff_api):
    first = _fail_practical(staff_api, days_ago=700)
    response = post(staff_api, theory_score=None, practical_scores=[70, 70, 70])
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["passed"] is True and data["theory_score"] == "85.00"
    assert Assessment.objects.get(pk=data["id"]).theory_carried_from_id == first


def test_resit_after_two_years_needs_the_part_again(staff_api):
    _fail_practical(staff_api, days_ago=365 * 2 + 2)
    response = post(staff_api, theory_score=None, practical_scores=[70, 70, 70])
    assert response.status_code == 400
    assert "理论" in str(response.json()["theory_score"])


def test_resit_reuses_passed_practical(staff_api):
    sat_on = (dt.date.today() - dt.timedelta(days=100)).isoformat()
    first = post(staff_api, theory_score=40, practical_scores=[90, 90, 90], sat_on=sat_on)
    assert first.json()["passed"] is False
    again = post(staff_api, theory_score=75, practical_scores=None)
    assert again.status_code == 201 and again.json()["passed"] is True
    assert again.json()["practical_score"] == "90.00"


def test_failed_part_is_not_carried(staff_api):
    _fail_practical(staff_api, days_ago=30)
    response = post(staff_api, theory_score=80, practical_scores=None)
    assert response.status_code == 400


def test_name_must_match_registry(staff_api):
    assert post(staff_api).status_code == 201
    response = post(staff_api, candidate_name="李四")
    assert response.status_code == 400
    assert "姓名" in str(response.json())


def test_bad_id_number_is_400(staff_api):
    response = post(staff_api, candidate_id_number="341602199001010000")
    assert response.status_code == 400
    assert "身份证" in str(response.json()["candidate_id_number"])


def test_roles(api, make_user, caseworker):
    assert api().post(ASSESS, body(), format="json").status_code == 401
    assert api(caseworker).post(ASSESS, body(), format="json").status_code == 403
    outsider = make_user(Role.TRAINING_STAFF, "610100", username="tx")
    # a training officer of Xi'an records in Xi'an: allowed, region is theirs
    assert api(outsider).post(ASSESS, body(), format="json").status_code == 201
    assert Assessment.objects.get().region_id == "610100"


def test_list_is_scoped(api, staff_api, trainer_xian):
    post(staff_api)
    assert staff_api.get(ASSESS).json()["count"] == 1
    assert api(trainer_xian).get(ASSESS).json()["count"] == 0


def test_writes_are_audited(staff_api):
    post(staff_api)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"training.assessment_record", "training.certificate_issue"} <= actions
