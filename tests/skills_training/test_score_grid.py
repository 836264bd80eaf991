"""The trainer's score grid: a whole sitting on one screen, a row per candidate, a column per named assessor,
all or nothing with Chinese errors on the failing rows; practical scores rounded half up."""

import datetime as dt
from decimal import Decimal

import pytest

from portal.roles import Role
from skills_training import services
from skills_training.models import Assessment, AssessorScore
from skills_training.services import practical_average

from .factories import BOZHOU, InstitutionFactory, candidate_id

pytestmark = pytest.mark.django_db
PANEL = ["张评委", "李评委", "王评委"]


@pytest.fixture
def staff(make_user):
    return make_user(Role.TRAINING_STAFF, BOZHOU, username="trainer_grid")


@pytest.fixture
def sitting(staff):
    services.assessor_create(name="张评委", id_number=candidate_id(90), region_code="341602",
                             qualification_no="KPY-001", levels=[5, 4], valid_until=dt.date(2030, 1, 1), actor=staff)
    s = services.sitting_create(level=5, sat_on=dt.date(2026, 5, 1), invigilators=["周监考"], assessors=PANEL,
                                institution=InstitutionFactory(), actor=staff)
    for seq, name in ((1, "王建国"), (2, "李芳"), (3, "赵敏")):
        services.candidate_admit(sitting=s, id_number=candidate_id(seq), name=name, actor=staff)
    return s


def test_practical_mean_is_rounded_half_up_not_cut():
    assert practical_average([83, 84, 84]) == Decimal("83.67")  # 83.666…: was cut to 83.66
    assert practical_average([60, 60, "59.99"]) == Decimal("60.00")
    assert practical_average([70, 75, 80]) == Decimal("75.00")


def _post(client, sitting, values):
    data = {}
    for c in sitting.candidates.all():
        row = values.get(c.person.name)
        if row:
            years, theory, *scores = row
            data[f"years-{c.pk}"], data[f"theory-{c.pk}"] = years, theory
            for i, s in enumerate(scores):
                data[f"score{i}-{c.pk}"] = s
    return client.post(f"/training/sittings/{sitting.pk}/scores/", data)


def test_grid_names_the_assessors_and_lists_every_candidate(client, staff, sitting):
    client.force_login(staff)
    html = client.get(f"/training/sittings/{sitting.pk}/scores/").content.decode()
    for name in PANEL + ["王建国", "李芳", "赵敏"]:
        assert name in html
    assert "考评员1评分" not in html and "考评员证书编号 KPY-001" in html
    assert html.count('name="score0-') == 3


def test_grid_is_all_or_nothing_with_errors_on_the_failing_rows(client, staff, sitting):
    client.force_login(staff)
    resp = _post(client, sitting, {"王建国": (2, 80, 83, 84, 84), "李芳": (3, 101, 70, 70, 70),
                                   "赵敏": (2, 75, 70, "", 70)})
    assert resp.status_code == 400 and not Assessment.objects.exists()
    html = resp.content.decode()
    assert "有 2 名考生的成绩有误" in html and "0到100" in html and "缺少考评员评分：李评委" in html
    assert 'value="101"' in html  # what was typed stays in the grid

    resp = _post(client, sitting, {"王建国": (2, 80, 83, 84, 84), "李芳": (3, 90, 50, 55, 52)})  # 赵敏 absent
    assert resp.status_code == 302
    wang = Assessment.objects.get(candidate_name="王建国")
    assert wang.practical_score == Decimal("83.67") and wang.sitting_id == sitting.pk
    scores = AssessorScore.objects.filter(assessment=wang).order_by("position")
    assert [s.assessor for s in scores] == PANEL and scores[0].assessor_ref.qualification_no == "KPY-001"
    assert Assessment.objects.count() == 2
    page = client.get(f"/training/sittings/{sitting.pk}/").content.decode()
    assert "83.67" in page and "83.66" not in page


def test_grid_of_another_region_is_absent(client, make_user, sitting):
    client.force_login(make_user(Role.TRAINING_STAFF, "610100", username="trainer_other"))
    assert client.get(f"/training/sittings/{sitting.pk}/scores/").status_code == 404
