"""Sittings: invigilators (>= 1 per 15 theory candidates) and an odd panel of >= 3 assessors."""

import datetime as dt

import pytest

from skills_training.models import AssessorScore

from .factories import ASSESS, body

pytestmark = pytest.mark.django_db
SITTINGS = "/api/v1/training/sittings/"


def make_sitting(client, invigilators=("监考甲",), assessors=("甲", "乙", "丙"), level=5):
    return client.post(SITTINGS, {"level": level, "sat_on": dt.date.today().isoformat(),
                                  "invigilators": list(invigilators), "assessors": list(assessors)}, format="json")


@pytest.mark.parametrize("assessors", [("甲", "乙"), ("甲", "乙", "丙", "丁"), ("甲", "甲", "乙")])
def test_assessor_panel_must_be_odd_and_at_least_three(staff_api, assessors):
    response = make_sitting(staff_api, assessors=assessors)
    assert response.status_code == 400
    assert "奇数" in str(response.json()) or "至少" in str(response.json())


def test_invigilator_required(staff_api):
    assert make_sitting(staff_api, invigilators=()).status_code == 400


def test_one_invigilator_per_fifteen_candidates(staff_api):
    sitting = make_sitting(staff_api).json()
    assert sitting["candidate_count"] == 0
    for seq in range(15):
        response = staff_api.post(ASSESS, body(seq=seq, candidate_name=f"考生{seq}", sitting=sitting["id"]), format="json")
        assert response.status_code == 201, response.json()
    sixteenth = staff_api.post(ASSESS, body(seq=99, candidate_name="考生99", sitting=sitting["id"]), format="json")
    assert sixteenth.status_code == 400 and "监考" in sixteenth.json()["detail"]
    listed = staff_api.get(SITTINGS).json()["results"][0]
    assert listed["candidate_count"] == 15


def test_scores_must_come_from_every_assessor_of_the_sitting(staff_api):
    sitting = make_sitting(staff_api, assessors=("甲", "乙", "丙", "丁", "戊")).json()
    short = staff_api.post(ASSESS, body(sitting=sitting["id"]), format="json")
    assert short.status_code == 400 and "5名考评员" in str(short.json())
    ok = staff_api.post(ASSESS, body(sitting=sitting["id"], practical_scores=[70, 71, 72, 73, 74]), format="json")
    assert ok.status_code == 201
    assert list(AssessorScore.objects.values_list("assessor", flat=True)) == ["甲", "乙", "丙", "丁", "戊"]


def test_sitting_out_of_region_is_404(api, staff_api, trainer_xian):
    sitting = make_sitting(staff_api).json()
    response = api(trainer_xian).post(ASSESS, body(sitting=sitting["id"]), format="json")
    assert response.status_code == 404
