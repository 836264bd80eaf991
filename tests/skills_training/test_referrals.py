"""就业帮扶: a caseworker refers a household member; that region's caseworkers see training and employment."""

import datetime as dt

import pytest

from portal.models import Role
from skills_training import services
from skills_training.models import Certificate, Referral

from .factories import ASSESS, body, candidate_id

pytestmark = pytest.mark.django_db
URL = "/training/referrals/"


@pytest.fixture
def caseworker_bz(make_user):
    return make_user(Role.CASEWORKER, "341602", username="cw_bz")


def test_referral_then_outcome_visible_to_referring_region(client, caseworker_bz, caseworker, staff_api, trainer):
    client.force_login(caseworker_bz)
    response = client.post(URL, {"id_number": candidate_id(5), "name": "赵敏", "level_wanted": 5, "note": "低保家庭"})
    assert response.status_code == 302
    assert Referral.objects.get().region_id == "341602"
    staff_api.post(ASSESS, body(seq=5, candidate_name="赵敏", sat_on="2025-01-10"), format="json")
    cert = Certificate.objects.get()
    services.followup_record(certificate=cert, followed_on=dt.date(2025, 8, 1), outcome="restaurant",
                             income_before=150000, income_after=680000, jobs_created=3, actor=trainer)
    page = client.get(URL).content.decode()
    assert "赵敏" in page and "自主创业：药膳餐馆" in page and "¥6,800.00" in page
    client.force_login(caseworker)  # Xi'an caseworker: not their referral
    page = client.get(URL).content.decode()
    assert "赵敏" not in page and "暂无转介记录" in page


def test_referral_refusals(client, caseworker_bz, trainer, make_user):
    client.force_login(caseworker_bz)
    bad = client.post(URL, {"id_number": "123", "name": "赵敏", "level_wanted": 5})
    assert bad.status_code == 200 and "身份证" in bad.content.decode()
    client.post(URL, {"id_number": candidate_id(5), "name": "赵敏", "level_wanted": 5})
    again = client.post(URL, {"id_number": candidate_id(5), "name": "赵敏", "level_wanted": 5})
    assert "已由本区域转介" in again.content.decode()
    assert Referral.objects.count() == 1
    client.force_login(trainer)  # training staff see the list but cannot refer
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"id_number": candidate_id(6), "name": "孙丽", "level_wanted": 5}).status_code == 403
    client.force_login(make_user(Role.INSURED, None, username="citizen"))
    assert client.get(URL).status_code == 403
