"""取暖救助与临时救助衔接: heating temporary aid for an uncovered household; people dropped from a heating
batch become discovery tasks."""

import datetime as dt

import pytest
from django.utils import timezone

from assistance.models import Batch, Payment, Scheme
from casework import services
from casework.models import DiscoveryTask, TemporaryAid

from . import factories as f

pytestmark = pytest.mark.django_db


def _heating_payment(hh, status, reason=""):
    scheme = Scheme.objects.create(name="取暖救助", kind="heating", region_id="610100", unit="household",
                                   categories=["dibao"], urban_amount=120000, budget=10**8,
                                   deadline=timezone.localdate() + dt.timedelta(days=30))
    batch = Batch.objects.create(scheme=scheme, region_id="610100", built_on=timezone.localdate(), status="paid")
    return Payment.objects.create(batch=batch, scheme=scheme, period="once", household=hh, region_id=hh.region_id,
                                  amount=120000, category="dibao", status=status, reason=reason)


def test_heating_aid_from_the_household_page(client, caseworker, api):
    hh, _rows = f.household(caseworker)
    client.force_login(caseworker)
    page = client.get(f"/casework/households/{hh.pk}/").content.decode()
    assert "给予取暖临时救助" in page
    r = client.post(f"/casework/households/{hh.pk}/", {"amount": "500.00", "reason": "低保边缘，无钱取暖"})
    assert r.status_code == 302
    aid = TemporaryAid.objects.get()
    assert (aid.purpose, aid.kind, aid.household_id, aid.status) == ("heating", "bridging", hh.pk, "paid")
    r = client.post(f"/casework/households/{hh.pk}/", {"amount": "500.00", "reason": "再次"})
    assert r.status_code == 200 and "已给予取暖临时救助" in r.content.decode()
    assert TemporaryAid.objects.count() == 1


def test_refused_when_a_heating_scheme_covers_it(api, caseworker, outsider):
    hh, _rows = f.household(caseworker)
    _heating_payment(hh, "paid")
    url = f"/api/v1/casework/households/{hh.pk}/heating-aid/"
    r = api(caseworker).post(url, {"amount": "500.00", "reason": "困难"}, format="json")
    assert r.status_code == 400 and "已纳入取暖救助" in r.json()["household"][0]
    assert api(outsider).post(url, {"amount": "500.00", "reason": "困难"}, format="json").status_code == 404
    assert not TemporaryAid.objects.exists()


def test_dropped_from_a_heating_batch_becomes_a_discovery_task(caseworker):
    failed_hh, _ = f.household(caseworker)
    dropped_hh, _ = f.household(caseworker)
    paid_hh, _ = f.household(caseworker)
    _heating_payment(failed_hh, "failed", "账户已销户")
    _heating_payment(dropped_hh, "cancelled", "动态核对：已不符合条件")
    _heating_payment(paid_hh, "paid")
    counts = services.discovery_scan()
    assert counts["heating_dropped"] == 2
    assert services.discovery_scan()["heating_dropped"] == 0
    tasks = DiscoveryTask.objects.filter(kind="heating_dropped")
    assert {t.household_id for t in tasks} == {failed_hh.pk, dropped_hh.pk}
    assert {t.person_id for t in tasks} == {failed_hh.head_id, dropped_hh.head_id}
