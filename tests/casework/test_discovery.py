import datetime as dt

import pytest
from django.utils import timezone

from assistance import services as assistance_services
from casework import services
from casework.models import DiscoveryTask
from casework.tasks import discovery_scan_task
from medical_pooling import services as mp_services
from tests.medical_pooling import factories as mpf

from . import factories as f

URL = "/api/v1/casework/discovery-tasks/"


def _signals(caseworker, approver, today):
    # 1) an enrolment ending in 20 days
    hh, rows = f.household(caseworker, members=2)
    assistance_services.enrolment_create(id_number=rows[0]["id_number"], category="dibao", monthly_amount=50000,
                                         start=today - dt.timedelta(days=300), end=today + dt.timedelta(days=20),
                                         actor=caseworker)
    # 2) a 78-year-old living alone, and a cold-wave alert over Xi'an
    born = f"{today.year - 78}0101"
    alone, alone_rows = f.household(caseworker, birth=born)
    f.household(caseworker, members=2, birth=born)  # two elderly together: not alone
    services.cold_wave_alert_create(region="610100", level="orange", starts_on=today - dt.timedelta(days=1),
                                    ends_on=today + dt.timedelta(days=3), patrols_per_day=4, actor=approver)
    # 3) medical personal burden above the threshold this month, for a household member as beneficiary
    sick_hh, sick_rows = f.household(caseworker, birth="19850101")  # young: never a cold-wave signal too
    off = mpf.officer(username="mp_officer")
    beneficiary = mp_services.insured_create(actor=off, id_number=sick_rows[0]["id_number"],
                                             name=sick_rows[0]["name"], scheme="resident", region="610100")
    pooler = mpf.insured(region="610100", balance=2_000_000, actor=off)
    mp_services.wallet_open(actor=off, insured=pooler)
    rel = mpf.relation(pooler, beneficiary, quota=1_000_000, kinship="child")
    inst = mp_services.institution_ensure(code="H61011200001", name="未央区医院")
    mp_services.spend_create(actor=off, payment_code=mpf.code_for(rel), category="medical", amount=600_000,
                             occurred_at=timezone.now(), institution=inst)
    return rows, alone_rows, sick_rows


@pytest.mark.django_db
def test_scan_creates_each_signal_once(api, caseworker, approver, outsider, settings):
    settings.CASEWORK_MEDICAL_THRESHOLD_FEN = 500_000
    today = timezone.localdate()
    rows, alone_rows, sick_rows = _signals(caseworker, approver, today)
    counts = discovery_scan_task(today.isoformat())
    assert counts == {"enrolment_lapse": 1, "cold_elderly": 1, "medical_burden": 1, "heating_dropped": 0}
    again = services.discovery_scan(today=today)
    assert again == {"enrolment_lapse": 0, "cold_elderly": 0, "medical_burden": 0, "heating_dropped": 0}
    assert DiscoveryTask.objects.count() == 3
    kinds = {t.kind: t for t in DiscoveryTask.objects.select_related("person")}
    assert kinds["cold_elderly"].person.id_number == alone_rows[0]["id_number"]
    assert kinds["medical_burden"].person.id_number == sick_rows[0]["id_number"]
    assert kinds["medical_burden"].evidence["total"] == "6000.00"
    assert kinds["enrolment_lapse"].enrolment_id is not None
    listed = api(caseworker).get(URL + "?status=open").json()
    assert listed["count"] == 3
    assert api(outsider).get(URL).json()["count"] == 0


@pytest.mark.django_db
def test_resolve_action_or_dismissal(api, caseworker, approver, outsider, officer):
    today = timezone.localdate()
    _signals(caseworker, approver, today)
    services.discovery_scan(today=today)
    task = DiscoveryTask.objects.get(kind="cold_elderly")
    url = f"{URL}{task.pk}/resolve/"
    assert api(outsider).post(url, {"dismiss_reason": "x"}, format="json").status_code == 404
    assert api(officer).post(url, {"dismiss_reason": "x"}, format="json").status_code == 403
    r = api(caseworker).post(url, {}, format="json")
    assert r.status_code == 400 and "排除理由" in r.json()["dismiss_reason"][0]
    visit = api(caseworker).post("/api/v1/casework/visits/", {
        "household": task.household_id, "visited_on": today.isoformat(), "kind": "cold_wave",
        "notes": "送去棉被，检查取暖", "goods": "棉被1床", "cash": "200.00"}, format="json")
    assert visit.status_code == 201 and visit.json()["cash"] == "200.00"
    r = api(caseworker).post(url, {"action": "visit", "action_ref": "999999"}, format="json")
    assert r.status_code == 400
    r = api(caseworker).post(url, {"action": "visit", "action_ref": str(visit.json()["id"])}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "acted"
    other = DiscoveryTask.objects.get(kind="enrolment_lapse")
    r = api(approver).post(f"{URL}{other.pk}/resolve/", {"dismiss_reason": "已按期复核续保"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert api(approver).post(f"{URL}{other.pk}/resolve/", {"dismiss_reason": "again"}, format="json").status_code == 400


@pytest.mark.django_db
def test_visits_permissions(api, caseworker, outsider, officer):
    hh, _rows = f.household(caseworker)
    body = {"household": hh.pk, "visited_on": "2026-01-10", "kind": "holiday", "cash": "-1"}
    assert api(caseworker).post("/api/v1/casework/visits/", body, format="json").status_code == 400
    body["cash"] = "300.00"
    assert api(outsider).post("/api/v1/casework/visits/", body, format="json").status_code == 404
    assert api(officer).post("/api/v1/casework/visits/", body, format="json").status_code == 403
    future = {**body, "visited_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}
    r = api(caseworker).post("/api/v1/casework/visits/", future, format="json")
    assert r.status_code == 400 and "今天" in r.json()["visited_on"][0]
    assert api(caseworker).post("/api/v1/casework/visits/", body, format="json").status_code == 201
    assert api(caseworker).get(f"/api/v1/casework/visits/?household={hh.pk}").json()["count"] == 1
