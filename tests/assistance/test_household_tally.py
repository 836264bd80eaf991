"""The household tally (kept by database triggers) equals a real count, and the list and API use it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance import selectors
from assistance.models import Household, HouseholdTally
from portal.models import Role, code_range

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the tally is kept by PostgreSQL triggers; other databases count the rows")


def _tally():
    return {(t.region_id, t.area): t.households for t in HouseholdTally.objects.all() if t.households}


def _counted():
    out = {}
    for h in Household.objects.values("region_id", "area"):
        key = (h["region_id"], h["area"])
        out[key] = out.get(key, 0) + 1
    return out


def test_tally_follows_every_kind_of_write(caseworker):
    a = f.household(caseworker, region="610112", area="urban", enrol=False)
    f.household(caseworker, region="610112", area="rural", enrol=False)
    f.household(caseworker, region="610113", area="urban", enrol=False)
    assert _tally() == _counted() == {("610112", "urban"): 1, ("610112", "rural"): 1, ("610113", "urban"): 1}

    # an edit that moves nothing changes nothing; a change of area or region moves one count
    Household.objects.filter(pk=a.pk).update(address="新地址")
    assert _tally() == _counted()
    Household.objects.filter(pk=a.pk).update(area="rural")
    assert _tally() == _counted() == {("610112", "rural"): 2, ("610113", "urban"): 1}
    Household.objects.filter(region_id="610112").update(region_id="610113")  # a set-based move
    assert _tally() == _counted() == {("610113", "rural"): 2, ("610113", "urban"): 1}

    # one INSERT … SELECT of many rows, then a set-based DELETE
    with connection.cursor() as cur:
        cur.execute("INSERT INTO assistance_household (region_id, area, address, created_at, updated_at)"
                    " SELECT '610112', 'urban', '批量' || g, now(), now() FROM generate_series(1, 250) g")
    assert _tally() == _counted()
    assert _tally()[("610112", "urban")] == 250
    Household.objects.filter(address__startswith="批量", id__gt=0).filter(address__endswith="7").delete()
    assert _tally() == _counted()
    assert _tally()[("610112", "urban")] == 225


def test_count_matches_the_list_for_each_filter_and_scope(caseworker, make_user, outsider):
    admin = make_user(Role.ADMIN, None, username="root_tally")
    for region, area in [("610112", "urban"), ("610112", "rural"), ("610113", "urban"), ("610502", "rural"),
                         ("120101", "urban")]:
        f.household(admin, region=region, area=area, enrol=False)
    county = make_user(Role.CASEWORKER, "610112", username="cw_weiyang")
    insured = make_user(Role.INSURED, None, username="citizen_tally")
    for user in (caseworker, county, outsider, admin, insured):
        for filters in ({}, {"area": "urban"}, {"region": "610100"}, {"region": "610112", "area": "rural"},
                        {"region": "120000"}):
            listed = selectors.household_list(user)
            if filters.get("area"):
                listed = listed.filter(area=filters["area"])
            if filters.get("region"):
                lo, hi = code_range(filters["region"])
                listed = listed.filter(region_id__gte=lo, region_id__lte=hi)
            assert selectors.household_count(user, **filters) == listed.count(), (user.username, filters)
    assert selectors.household_count(caseworker, search="测试") is None  # a search counts its rows


def test_list_page_and_api_take_the_count_from_the_tally(caseworker, client, api):
    for _ in range(3):
        f.household(caseworker, region="610112", enrol=False)
    f.household(caseworker, region="610113", area="rural", enrol=False)
    client.force_login(caseworker)
    body = api(caseworker).get("/api/v1/assistance/households/?area=urban").json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert api(caseworker).get("/api/v1/assistance/households/?page_size=2").json()["count"] == 4
    assert api(caseworker).get("/api/v1/assistance/households/?search=测试").json()["count"] == 4
    resp = client.get("/assistance/households/?region=610113")
    assert resp.status_code == 200 and resp.context["page"].paginator.count == 1
    # the tally is what the page reads: no COUNT(*) over the household table
    with CaptureQueriesContext(connection) as ctx:
        client.get("/assistance/households/")
    counts = [q["sql"] for q in ctx.captured_queries
              if '"__count"' in q["sql"] and '"assistance_household"' in q["sql"]]
    assert counts == []
    with CaptureQueriesContext(connection) as ctx:
        client.get("/assistance/households/?q=测试")  # a search counts its rows: the check above can see one
    assert [q for q in ctx.captured_queries if '"__count"' in q["sql"] and '"assistance_household"' in q["sql"]]
