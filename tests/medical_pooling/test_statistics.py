"""Statistics for officers: regions opened, relations, person-times and amounts per month, within and across
provinces, cleared and pending, by region pair — page, export and API; officer-only, scoped."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from medical_pooling import services
from medical_pooling.models import Relation

from .factories import citizen_user, institution_user, insured, officer, relation, spend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("historic_dates")]
BJ = dt.timezone(dt.timedelta(hours=8))
BASE = "/api/v1/pooling/statistics/"
RANGE = "?month_from=2025-12&month_to=2026-02"


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world():
    xian = insured(region="610100", balance=1_000_000)              # Shaanxi pooler
    xian_parent = insured(scheme="resident", region="610100")         # within Shaanxi
    bz_parent = insured(scheme="resident", region="341600", person_region="341602")  # Anhui
    tj = insured(region="120100", balance=1_000_000, person_region="120101")
    within = relation(xian, xian_parent, 300_000)
    across = relation(xian, bz_parent, 300_000, kinship="grandparent")
    tj_rel = relation(tj, bz_parent, 300_000, kinship="child")
    Relation.objects.filter(pk__in=[within.pk, across.pk]).update(created_at=dt.datetime(2026, 1, 3, tzinfo=BJ))
    Relation.objects.filter(pk=tj_rel.pk).update(created_at=dt.datetime(2025, 12, 31, 23, 0, tzinfo=BJ))
    bz_hospital = institution_user("H34160200001")
    xa_hospital = institution_user("H61011200001", name="西安市第一医院")
    dec, jan, feb = (dt.datetime(2025, 12, 20, 9, tzinfo=BJ), dt.datetime(2026, 1, 10, 9, tzinfo=BJ),
                     dt.datetime(2026, 2, 1, 0, 30, tzinfo=BJ))
    spend(xa_hospital, within, 10_000, jan)        # 610100 → 610100: within, not cleared at all
    spend(bz_hospital, across, 20_000, jan)        # 610100 → 341600: across
    spend(bz_hospital, across, 5_000, feb)         # 610100 → 341600: February (Beijing time)
    spend(bz_hospital, tj_rel, 7_000, dec)         # 120100 → 341600: December
    services.settlement_run(month="2025-12")
    services.settlement_run(month="2026-01")       # January closed; February pending
    return locals()


def test_figures_per_month_within_across_cleared_pending_and_pairs(api, world):
    data = api(officer()).get(BASE + RANGE).json()
    assert data["month_from"] == "2025-12" and data["month_to"] == "2026-02"
    months = {m["month"]: m for m in data["spends"]["by_month"]}
    assert months["2025-12"] == {"month": "2025-12", "count": 1, "amount": "70.00", "within_count": 0,
                                 "within_amount": "0.00", "across_count": 1, "across_amount": "70.00"}
    assert months["2026-01"]["count"] == 2 and months["2026-01"]["within_amount"] == "100.00"
    assert months["2026-01"]["across_amount"] == "200.00" and months["2026-02"]["across_amount"] == "50.00"
    s = data["spends"]
    assert (s["count"], s["amount"], s["persons"]) == (4, "420.00", 2)
    assert (s["within_count"], s["across_count"]) == (1, 3)
    # cross-region only: December and January closed, February pending; the within-region spend not counted
    assert data["clearing"] == {"cleared_count": 2, "cleared_amount": "270.00", "pending_count": 1,
                                "pending_amount": "50.00"}
    rel = data["relations"]
    assert (rel["active"], rel["pending"], rel["dissolved"]) == (3, 0, 0)
    assert {m["month"]: (m["created"], m["within_province"], m["across_provinces"]) for m in rel["by_month"]} == {
        "2025-12": (1, 0, 1), "2026-01": (2, 1, 1), "2026-02": (0, 0, 0)}
    pairs = [(p["payer_region"], p["payee_region"], p["count"], p["amount"], p["cleared_amount"], p["pending_amount"],
              p["across"]) for p in data["pairs"]]
    assert pairs == [("610100", "341600", 2, "250.00", "200.00", "50.00", True),
                     ("120100", "341600", 1, "70.00", "70.00", "0.00", True)]
    assert data["pairs"][0]["payee_name"] == "亳州市"
    listed = api(officer()).get(BASE + "pairs/" + RANGE).json()
    assert listed["count"] == 2 and listed["results"][0]["payer_name"] == "西安市"


def test_regions_opened_from_the_rules_as_data(api, world):
    data = api(officer()).get("/api/v1/pooling/statistics/?month_from=2024-11&month_to=2025-06").json()
    opened = data["regions_opened"]
    # the seeded rules: Xi'an 2024-11, Tianjin 2025-01, Nanjing 2025-02, Bozhou 2025-03, Guangzhou 2025-04,
    # Shenyang 2025-06-30
    assert opened["before"] == 0 and opened["total"] == 6
    assert [(m["month"], m["opened"], m["cumulative"]) for m in opened["by_month"]] == [
        ("2024-11", 1, 1), ("2024-12", 0, 1), ("2025-01", 1, 2), ("2025-02", 1, 3), ("2025-03", 1, 4),
        ("2025-04", 1, 5), ("2025-05", 0, 5), ("2025-06", 1, 6)]
    later = api(officer()).get("/api/v1/pooling/statistics/?month_from=2025-05&month_to=2025-06").json()
    assert later["regions_opened"]["before"] == 5 and later["regions_opened"]["total"] == 6


def test_provincial_officer_sees_their_province_and_the_province_filter(api, world):
    anhui = api(officer(region="340000")).get(BASE + RANGE).json()
    # every spend here ends in Bozhou except the within-Shaanxi one
    assert anhui["spends"]["count"] == 3 and anhui["spends"]["within_count"] == 0
    assert api(officer(region="340000")).get(BASE + RANGE + "&province=340000").status_code == 200
    # another province is refused in Chinese, under the field
    r = api(officer(region="340000")).get(BASE + RANGE + "&province=610000")
    assert r.status_code == 400 and "辖区" in r.json()["province"][0]
    shaanxi = api(officer(region="610000")).get(BASE + RANGE).json()
    assert shaanxi["spends"]["count"] == 3 and shaanxi["spends"]["within_count"] == 1
    assert [p["payer_region"] for p in shaanxi["pairs"]] == ["610100"]
    tianjin_only = api(officer()).get(BASE + RANGE + "&province=120000").json()
    assert tianjin_only["spends"]["amount"] == "70.00"
    assert api(officer(region="440000")).get(BASE + RANGE).json()["spends"]["count"] == 0


def test_bad_filters_refused_in_chinese(api, world):
    off = api(officer())
    r = off.get(BASE + "?month_from=2026-13")
    assert r.status_code == 400 and "月份格式" in r.json()["month_from"][0]
    r = off.get(BASE + "?month_from=2026-03&month_to=2026-01")
    assert r.status_code == 400 and "早于" in r.json()["month_to"][0]
    r = off.get(BASE + "?month_from=2000-01&month_to=2026-01")
    assert r.status_code == 400 and "60" in r.json()["month_to"][0]
    page = client_for(officer()).get("/pooling/statistics/?month_from=2026-03&month_to=2026-01")
    assert page.status_code == 400 and "截止月份不能早于起始月份" in page.content.decode()


def test_denied_to_other_roles(api, world, caseworker):
    citizen = citizen_user(world["xian"])
    for user in (caseworker, citizen, world["bz_hospital"]):
        assert api(user).get(BASE).status_code == 403
        assert api(user).get(BASE + "pairs/").status_code == 403
        assert client_for(user).get("/pooling/statistics/").status_code == 403
        assert client_for(user).get("/pooling/statistics/export/").status_code == 403
    assert api().get(BASE).status_code == 401


def test_page_with_charts_and_exports(world):
    c = client_for(officer())
    html = c.get("/pooling/statistics/" + RANGE).content.decode()
    assert html.count("<svg") >= 5 and "<script" not in html.split("</main>")[0]
    assert "¥420.00" in html and "¥270.00" in html and "¥50.00" in html
    assert "西安市（610100）" in html and "亳州市（341600）" in html
    assert "/pooling/statistics/export/" in html
    r = c.get("/pooling/statistics/export/" + RANGE)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "月份" and ["2026-01", "0", "6", "2", "1", "1", "2", "300.00", "1", "100.00", "1", "200.00"] in rows
    assert any(r[:2] == ["610100", "西安市"] and r[-3:] == ["250.00", "200.00", "50.00"] for r in rows)
    x = c.get("/pooling/statistics/export/" + RANGE + "&format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["按月统计", "按地区对"]
    assert [c.value for c in wb["按地区对"][2]][:2] == ["610100", "西安市"]
    assert c.get("/pooling/statistics/export/?month_from=bad").status_code == 400


def test_nav_lists_the_page_for_officers(world):
    html = client_for(officer()).get("/pooling/statistics/").content.decode()
    assert 'href="/pooling/statistics/"' in html


def test_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    off = officer()
    client = api(off)
    client.get(BASE + RANGE)
    with django_assert_max_num_queries(14):
        assert client.get(BASE + "?month_from=2024-01&month_to=2026-02").status_code == 200


def test_demo_shows_the_seed_figures():
    from medical_pooling import demo
    from portal.demo import seed as seed_portal

    class Out:
        def write(self, text):
            print(text)

    seed_portal(Out(), password="demo12345")
    demo.seed(Out())
    off = officer()
    html = client_for(off).get("/pooling/statistics/?month_from=2024-12&month_to=2025-06").content.decode()
    assert 'id="stat-regions">337<' in html
    month = services.previous_month()
    data = client_for(off).get(f"/api/v1/pooling/statistics/?month_from={month}&month_to={month}").json()
    assert data["relations"]["pending"] >= 1 and data["spends"]["count"] > 0
    assert data["spends"]["within_count"] > 0 and data["spends"]["across_count"] > 0
    assert data["clearing"]["cleared_amount"] != "0.00" and data["pairs"]
