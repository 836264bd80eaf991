"""Funds from the centre down (提前下拨): each level allocates within what it received, schemes draw their
budget from their region's allocation, and the execution dashboard shows allocated, committed and paid."""


import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance import services
from assistance.models import Allocation, Scheme
from portal.models import AuditEvent, Role
from tests.assistance import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YI = 100_000_000 * 100  # one 亿 yuan, in fen


@pytest.fixture
def chain(make_user, admin_user):
    """The seed's 410亿 for 2026 from the centre, 50亿 to Shaanxi, 10亿 to Xi'an."""
    shaanxi_ap = make_user(Role.APPROVER, "610000", username="ap_sx")
    central = services.allocation_create(year=2026, region=None, amount=410 * YI, actor=admin_user)
    shaanxi = services.allocation_create(year=2026, region="610000", amount=50 * YI, actor=admin_user)
    xian = services.allocation_create(year=2026, region="610100", amount=10 * YI, actor=shaanxi_ap)
    return {"central": central, "shaanxi": shaanxi, "xian": xian, "shaanxi_ap": shaanxi_ap}


def test_each_level_allocates_within_what_it_received(chain):
    chain["central"].refresh_from_db()
    chain["shaanxi"].refresh_from_db()
    assert chain["central"].committed == 50 * YI and chain["shaanxi"].committed == 10 * YI
    assert chain["xian"].parent_id == chain["shaanxi"].pk
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:  # 41亿 more to Baoji: only 40亿 left in Shaanxi
        services.allocation_create(year=2026, region="610300", amount=41 * YI, actor=chain["shaanxi_ap"])
    assert "超出" in " ".join(exc.value.messages)
    assert not Allocation.objects.filter(region_id="610300").exists()
    assert Allocation.objects.get(pk=chain["shaanxi"].pk).committed == 10 * YI
    assert AuditEvent.objects.count() == before


def test_who_may_allocate(chain, make_user, caseworker, approver):
    with pytest.raises(PermissionDenied):  # a city's approver cannot fund its own level
        services.allocation_create(year=2026, region="610100", amount=YI, actor=approver)
    with pytest.raises(PermissionDenied):
        services.allocation_create(year=2026, region="610112", amount=YI, actor=caseworker)
    with pytest.raises(PermissionDenied):  # another province's approver
        services.allocation_create(year=2026, region="610112", amount=YI,
                                   actor=make_user(Role.APPROVER, "120000", username="ap_tj2"))
    with pytest.raises(PermissionDenied):  # provinces are funded by the centre (an admin), not by themselves
        services.allocation_create(year=2026, region="610000", amount=YI, actor=chain["shaanxi_ap"])
    district = services.allocation_create(year=2026, region="610112", amount=YI, actor=approver)
    assert district.parent_id == chain["xian"].pk


def test_a_scheme_draws_its_budget_from_its_regions_allocation(chain, caseworker, api):
    base = {"name": "西安市一次性生活补贴", "kind": "one_time", "region": "610100", "unit": "person",
            "categories": ["dibao"], "urban_amount": "800.00", "rural_amount": "700.00",
            "deadline": "2026-02-10"}
    too_much = api(caseworker).post("/api/v1/assistance/schemes/", {**base, "budget": "1000000001.00"},
                                    format="json")
    assert too_much.status_code == 400 and "超出" in too_much.json()["budget"][0]
    assert not Scheme.objects.filter(name=base["name"]).exists()
    ok = api(caseworker).post("/api/v1/assistance/schemes/", {**base, "budget": "80000000.00"}, format="json")
    assert ok.status_code == 201, ok.content
    scheme = Scheme.objects.get(name=base["name"])
    assert scheme.allocation_id == chain["xian"].pk
    assert Allocation.objects.get(pk=chain["xian"].pk).committed == 80_000_000 * 100
    # a region with no regional allocation for the year is not limited (nothing entered for Tianjin)
    tianjin = f.scheme(UserFactory(role=Role.CASEWORKER, region_id="120000"), region="120000", budget=500 * YI)
    assert tianjin.allocation_id is None


def test_the_execution_dashboard_shows_allocated_committed_and_paid(chain, caseworker, approver, client, api):
    f.household(caseworker, members=2)
    sch = f.scheme(caseworker, budget=10**8)
    assert sch.allocation_id == chain["xian"].pk
    batch = f.built_batch(caseworker, sch)
    services.batch_approve(batch=batch, actor=approver)
    services.batch_pay(batch_id=batch.pk)
    rows = {r["region"]: r for r in api(approver).get("/api/v1/assistance/allocations/?year=2026").json()}
    assert rows["610100"]["amount"] == "1000000000.00" and rows["610100"]["paid"] == "1600.00"
    assert "610000" not in rows  # the province's row is above a city approver's scope
    admin_rows = {r["region"]: r for r in api(chain["shaanxi_ap"]).get("/api/v1/assistance/allocations/").json()}
    assert admin_rows["610000"]["paid"] == "1600.00" and admin_rows["610000"]["committed"] == "1000000000.00"
    client.force_login(approver)
    page = client.get("/assistance/funds/?year=2026").content.decode()
    assert "西安市" in page and "¥1,600.00" in page
