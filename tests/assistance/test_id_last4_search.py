"""Issue 19: the staff lists find a person by the last four characters of the ID number (how a number is
read out), through the indexed ``Person.id_last4``, within the user's regions and the list's other filters."""

import datetime as dt

import pytest
from django.test import Client

from assistance import selectors, services
from assistance.models import Member, Payment
from portal.models import Role
from tests.factories import ids_ending

from . import factories as f

pytestmark = pytest.mark.django_db

TAIL = "777X"


def _household(actor, number, name, *, region, enrol=True, extra_members=0):
    rows = [{"name": name, "id_number": number, "relation": "head"}]
    rows += [{"name": f"{name}家{i}", "id_number": f.new_id(region), "relation": "child"} for i in range(extra_members)]
    hh = services.household_create(region=region, area="urban", address=f"{name}路1号", members=rows,
                                   bank_account="6222020200112233445", actor=actor)
    if enrol:
        for row in rows:
            services.enrolment_create(id_number=row["id_number"], category="dibao", monthly_amount=50000,
                                      start=f.START, actor=actor)
    return hh


@pytest.fixture
def people(caseworker):
    """Three people ending with 777X (two in 未央区 610112, one of them not enrolled; one in 雁塔区 610113) and
    one in 未央区 ending otherwise."""
    a_id, d_id, b_id = ids_ending(TAIL, ["610112", "610112", "610113"])
    other = f.new_id("610112")
    assert not other.endswith(TAIL)
    return {
        "a": _household(caseworker, a_id, "甲七七", region="610112"),
        "d": _household(caseworker, d_id, "丁七七", region="610112", enrol=False),
        "b": _household(caseworker, b_id, "乙七七", region="610113"),
        "c": _household(caseworker, other, "丙其他", region="610112"),
        "ids": {"a": a_id, "d": d_id, "b": b_id, "c": other},
    }


@pytest.fixture
def district(make_user):
    """A caseworker of 未央区 only."""
    return make_user(Role.CASEWORKER, "610112", username="cw_weiyang")


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def _rows(html: str) -> int:
    return html.count("<tr>") - 1


def test_payment_list_finds_the_payments_by_the_last_four(caseworker, district, people):
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    c = _client(caseworker)
    url = f"/assistance/batches/{batch.pk}/payments/"
    html = c.get(url, {"q": "777x"}).content.decode()  # typed lower-case: the X is the check character
    assert _rows(html) == 2 and "甲七七" in html and "乙七七" in html and "丙其他" not in html
    for number in people["ids"].values():
        assert number not in html  # masked on the page, as ever
    assert "姓名、完整身份证号码或后四位" in html
    # combined with the status filter
    assert _rows(c.get(url, {"q": TAIL, "status": "pending"}).content.decode()) == 2
    assert "没有符合条件的发放明细" in c.get(url, {"q": TAIL, "status": "paid"}).content.decode()
    # the full number still finds exactly its holder; another tail finds nobody
    assert _rows(c.get(url, {"q": people["ids"]["a"]}).content.decode()) == 1
    assert "没有符合条件的发放明细" in c.get(url, {"q": "0001"}).content.decode()
    # always within the user's regions: a 未央区 caseworker reading the city batch sees only 未央区's payment
    mine = selectors.batch_payments(district, batch, search=TAIL)
    assert [p.name for p in mine] == ["甲七七"]


def test_payment_list_finds_a_household_payment_by_a_members_last_four(caseworker, people):
    batch = f.built_batch(caseworker, f.scheme(caseworker, unit="household"))
    html = _client(caseworker).get(f"/assistance/batches/{batch.pk}/payments/", {"q": TAIL}).content.decode()
    assert _rows(html) == 2
    found = Payment.objects.filter(selectors.payment_search_q(batch, TAIL), batch=batch)
    assert set(found.values_list("household_id", flat=True)) == {people["a"].pk, people["b"].pk}


def test_household_list_finds_households_by_a_members_last_four(caseworker, district, people):
    def listed(user, **params):
        html = _client(user).get("/assistance/households/", params).content.decode()
        return {k for k in ("a", "b", "c", "d") if f"/assistance/households/{people[k].pk}/" in html}

    assert listed(caseworker, q=TAIL) == {"a", "b", "d"}
    assert listed(caseworker, q=TAIL, region="610113") == {"b"}  # with the region filter
    assert listed(district, q=TAIL) == {"a", "d"}  # never outside the user's regions
    # a member who has left no longer finds the household
    Member.objects.filter(household=people["d"]).update(left_on=dt.date(2026, 1, 31))
    assert listed(district, q=TAIL) == {"a"}
    html = _client(caseworker).get("/assistance/households/").content.decode()
    assert "完整身份证号码或后四位" in html


def test_household_api_search_and_id_last4_filter(api, caseworker, district, people):
    url = "/api/v1/assistance/households/"
    ids = {people[k].pk: k for k in ("a", "b", "c", "d")}

    def got(user, **params):
        body = api(user).get(url, params).json()
        return {ids.get(r["id"]) for r in body["results"]}, body["count"]

    assert got(caseworker, search=TAIL) == ({"a", "b", "d"}, 3)
    assert got(caseworker, id_last4="777x") == ({"a", "b", "d"}, 3)  # counted rows, not the region tally
    assert got(caseworker, id_last4=TAIL, region="610112") == ({"a", "d"}, 2)
    assert got(district, id_last4=TAIL) == ({"a", "d"}, 2)
    resp = api(caseworker).get(url, {"id_last4": "77"})
    assert resp.status_code == 400 and "后四位" in str(resp.json())
    assert api(caseworker).get(url, {"id_last4": "610112"}).status_code == 400  # never a loose digit match


def test_enrolment_table_finds_members_by_the_last_four(caseworker, district, people):
    def listed(user, q):
        html = _client(user).get("/assistance/enrolments/", {"q": q}).content.decode()
        return {n for n in ("甲七七", "乙七七", "丙其他", "丁七七") if n in html}

    assert listed(caseworker, TAIL) == {"甲七七", "乙七七", "丁七七"}
    assert listed(district, TAIL.lower()) == {"甲七七", "丁七七"}
    assert listed(district, people["ids"]["b"]) == set()  # a full number outside the region: nobody
    assert listed(district, people["ids"]["a"]) == {"甲七七"}
    assert listed(caseworker, "丙") == {"丙其他"}
    html = _client(caseworker).get("/assistance/enrolments/").content.decode()
    assert "姓名、完整身份证号码或后四位" in html
