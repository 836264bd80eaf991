"""Issue 19: the application list (page and API) finds an applicant by the last four characters of the ID
number, within the user's regions; the API also takes ``?id_last4=`` on its own."""

import pytest
from django.test import Client

from portal.models import Role
from tests.factories import ids_ending

URL = "/api/v1/casework/applications/"
TAIL = "4321"

pytestmark = pytest.mark.django_db


@pytest.fixture
def applications(api, caseworker):
    """Applicants ending with 4321 in 未央区 (甲) and 雁塔区 (乙), and one ending otherwise in 未央区 (丙)."""
    a_id, b_id, c_id = ids_ending(TAIL, ["610112", "610113"]) + ids_ending("5678", ["610112"])
    out = {}
    for key, number, name, region in (("a", a_id, "甲申请", "610112"), ("b", b_id, "乙申请", "610113"),
                                      ("c", c_id, "丙申请", "610112")):
        r = api(caseworker).post(URL, {"id_number": number, "name": name, "region": region, "category": "dibao",
                                       "requested_amount": "650.00", "reason": "失业无收入"}, format="json")
        assert r.status_code == 201, r.json()
        out[key] = r.json()["id"]
    out["ids"] = {"a": a_id, "b": b_id, "c": c_id}
    return out


@pytest.fixture
def district(make_user):
    return make_user(Role.CASEWORKER, "610112", username="cw_weiyang")


def test_application_page_search_by_last_four(caseworker, district, applications):
    def listed(user, search):
        c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        c.force_login(user)
        html = c.get("/casework/", {"search": search}).content.decode()
        return {n for n in ("甲申请", "乙申请", "丙申请") if n in html}, html

    found, html = listed(caseworker, TAIL)
    assert found == {"甲申请", "乙申请"}
    assert "姓名、完整身份证号码或后四位" in html and 'name="id_last4"' not in html  # one search box
    assert listed(district, TAIL)[0] == {"甲申请"}  # never outside the user's regions
    assert listed(district, applications["ids"]["b"])[0] == set()
    assert listed(caseworker, applications["ids"]["c"])[0] == {"丙申请"}  # the full number, exact
    assert listed(caseworker, "丙申")[0] == {"丙申请"}  # a name


def test_application_api_search_and_id_last4(api, caseworker, district, applications):
    def got(user, **params):
        body = api(user).get(URL, params).json()
        return {r["id"] for r in body["results"]}

    a, b = applications["a"], applications["b"]
    assert got(caseworker, search=TAIL) == {a, b}
    assert got(caseworker, id_last4=TAIL) == {a, b}
    assert got(district, id_last4=TAIL) == {a}
    assert got(caseworker, id_last4=TAIL, status="submitted") == {a, b}
    assert got(caseworker, id_last4=TAIL, status="confirmed") == set()
    resp = api(caseworker).get(URL, {"id_last4": "43210"})
    assert resp.status_code == 400 and "后四位" in str(resp.json())
