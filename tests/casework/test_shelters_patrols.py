"""Shelters day to day (check-in/out, occupancy history), management pages, patrol crew and compliance."""

import datetime as dt

import pytest
from django.utils import timezone

from casework import selectors, services
from casework.models import PatrolMember, Shelter, ShelterStay, UnidentifiedPerson
from portal.models import AuditEvent, Role

from . import factories as f

pytestmark = pytest.mark.django_db


def test_check_in_and_out_moves_occupancy_both_ways(caseworker):
    shelter = f.shelter(caseworker, capacity=2)
    a = services.shelter_check_in(shelter=shelter, actor=caseworker, id_number=f.new_id(), name="张入住")
    b = services.shelter_check_in(shelter=shelter, actor=caseworker, unidentified_description="男性，约40岁")
    shelter.refresh_from_db()
    assert shelter.occupancy == 2 and b.unidentified_id
    with pytest.raises(Exception) as full:
        services.shelter_check_in(shelter=shelter, actor=caseworker, unidentified_description="第三人")
    assert "满员" in str(full.value) and UnidentifiedPerson.objects.count() == 1
    services.shelter_check_out(stay=a, actor=caseworker, destination="返乡")
    shelter.refresh_from_db()
    assert shelter.occupancy == 1
    with pytest.raises(Exception, match="已办理离站"):
        services.shelter_check_out(stay=a, actor=caseworker, destination="返乡")
    history = selectors.occupancy_history(shelter, days=3)
    assert history[-1] == {"day": timezone.localdate(), "in": 2, "out": 1, "staying": 1}


def test_one_open_stay_per_person_and_checkout_needs_destination(caseworker):
    s1, s2 = f.shelter(caseworker), f.shelter(caseworker)
    number = f.new_id()
    stay = services.shelter_check_in(shelter=s1, actor=caseworker, id_number=number, name="李某")
    with pytest.raises(Exception, match="已在"):
        services.shelter_check_in(shelter=s2, actor=caseworker, id_number=number, name="李某")
    s2.refresh_from_db()
    assert s2.occupancy == 0
    with pytest.raises(Exception, match="离站去向"):
        services.shelter_check_out(stay=stay, actor=caseworker, destination=" ")


def test_encounter_into_shelter_opens_a_stay_and_release_closes_it(caseworker):
    shelter = f.shelter(caseworker, capacity=3)
    services.encounter_create(patrol=f.patrol(caseworker), actor=caseworker, at=timezone.now(), location="北大街",
                              condition="cold", outcome="shelter", shelter=shelter, unidentified_description="老人")
    stay = ShelterStay.objects.get()
    assert stay.encounter_id and stay.checked_out_at is None
    services.shelter_release(shelter=shelter, actor=caseworker)
    stay.refresh_from_db()
    shelter.refresh_from_db()
    assert stay.checked_out_at is not None and shelter.occupancy == 0


def test_shelter_update_by_approver_only_and_not_below_occupancy(caseworker, approver):
    shelter = f.shelter(caseworker, capacity=2)
    services.shelter_check_in(shelter=shelter, actor=caseworker, unidentified_description="一人")
    with pytest.raises(Exception, match="容量不能少于"):
        services.shelter_update(shelter=shelter, actor=approver, capacity=0)
    with pytest.raises(Exception, match="办理离站后才能停用"):
        services.shelter_update(shelter=shelter, actor=approver, active=False)
    services.shelter_update(shelter=shelter, actor=approver, capacity=10, name="新名称")
    shelter.refresh_from_db()
    assert (shelter.capacity, shelter.name) == (10, "新名称")


def test_shelter_pages_check_in_out_and_manage(client, caseworker, approver):
    client.force_login(caseworker)
    r = client.post("/casework/shelters/new/", {"kind": "station", "name": "东大街救助点", "region": "610103",
                                                 "address": "东大街1号", "capacity": "1"})
    shelter = Shelter.objects.get(name="东大街救助点")
    assert r.status_code == 302
    r = client.post(f"/casework/shelters/{shelter.pk}/", {"id_number": f.new_id(), "name": "王入住"})
    assert r.status_code == 302
    r = client.post(f"/casework/shelters/{shelter.pk}/", {"unidentified_description": "第二人"})
    assert r.status_code == 200 and "满员" in r.content.decode()
    stay = ShelterStay.objects.get()
    client.post(f"/casework/stays/{stay.pk}/checkout/", {"destination": "投亲"})
    shelter.refresh_from_db()
    assert shelter.occupancy == 0
    page = client.get(f"/casework/shelters/{shelter.pk}/").content.decode()
    assert "投亲" in page and "近 14 天入住情况" in page
    # the caseworker may not edit a shelter: the service refuses (403)
    assert client.post(f"/casework/shelters/{shelter.pk}/edit/", {"name": "x", "address": "y", "capacity": "5"}
                       ).status_code == 403
    client.force_login(approver)
    assert client.get("/casework/manage/").status_code == 200
    r = client.post("/casework/manage/alerts/new/", {"region": "610100", "level": "red", "starts_on": "2026-01-10",
                                                     "ends_on": "2026-01-05", "patrols_per_day": "3"})
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.content.decode()
    r = client.post("/casework/manage/policy/", {"region": "610100", "normal_days": "30", "fast_track_days": "7",
                                                 "small_aid_threshold": "1000.00", "yearly_cap": "10000.00",
                                                 "patrols_per_day": "2"})
    assert r.status_code == 302 and selectors.region_policy("610112").patrols_per_day == 2
    r = client.post("/casework/manage/fast-track/new/", {"region": "610100", "name": "春节",
                                                         "starts_on": "2026-02-01", "ends_on": "2026-02-20"})
    assert r.status_code == 302
    # a Tianjin approver cannot set Xi'an's policy
    r = client.post("/casework/manage/policy/", {"region": "120000", "normal_days": "30", "fast_track_days": "7",
                                                 "small_aid_threshold": "1000.00", "yearly_cap": "10000.00",
                                                 "patrols_per_day": "2"})
    assert r.status_code == 403


def test_patrol_crew_counts_person_times_and_compliance(api, caseworker, caseworker2, approver, outsider):
    r = api(caseworker).post("/api/v1/casework/patrols/", {
        "region": "610112", "area": "钟楼", "started_at": timezone.now().isoformat(),
        "staff": ["cw2_xian", "ap_xian"], "vehicles_sent": 1}, format="json")
    assert r.status_code == 201, r.json()
    assert sorted(r.json()["staff"]) == ["ap_xian", "cw2_xian", "cw_xian"]
    assert PatrolMember.objects.count() == 3
    r = api(caseworker).post("/api/v1/casework/patrols/", {
        "region": "610112", "area": "钟楼", "started_at": timezone.now().isoformat(), "staff": [outsider.username]},
        format="json")
    assert r.status_code == 400 and "巡查人员" in r.json()["staff"][0]
    today = timezone.localdate()
    services.cold_wave_alert_create(region="610100", level="orange", starts_on=today, ends_on=today,
                                    patrols_per_day=3, actor=caseworker)
    days = selectors.patrol_compliance(caseworker, region="610100", start=today - dt.timedelta(days=1), end=today)
    assert days[-1]["done"] == 1 and days[-1]["expected"] == 3 and days[-1]["short"]
    r = api(caseworker).get("/api/v1/casework/patrols/compliance/", {"region": "610100"})
    assert r.status_code == 200 and r.json()["days"][-1]["expected"] == 3
    data = api(caseworker).get("/api/v1/casework/reports/", {"region": "610100"}).json()
    assert data["street"]["patrol_person_times"] == 3 and data["street"]["patrols_expected"] >= 3
    assert api(outsider).get("/api/v1/casework/patrols/").json()["count"] == 0


def test_stays_api_check_in_out(api, caseworker, outsider):
    shelter = f.shelter(caseworker, capacity=1)
    url = f"/api/v1/casework/shelters/{shelter.pk}/stays/"
    r = api(caseworker).post(url, {"unidentified_description": "女性"}, format="json")
    assert r.status_code == 201
    stay_id = r.json()["id"]
    assert api(outsider).post(url, {"unidentified_description": "x"}, format="json").status_code == 404
    r = api(caseworker).post(f"/api/v1/casework/stays/{stay_id}/checkout/", {"destination": ""}, format="json")
    assert r.status_code == 400
    before = AuditEvent.objects.count()
    r = api(caseworker).post(f"/api/v1/casework/stays/{stay_id}/checkout/", {"destination": "自行离开"}, format="json")
    assert r.status_code == 200 and r.json()["checked_out_at"]
    assert AuditEvent.objects.count() == before + 1
    assert api(caseworker).get(url).json()["count"] == 1


def test_officer_cannot_reach_patrol_api(api, make_user):
    officer = make_user(Role.INSURANCE_OFFICER, None, username="off1")
    assert api(officer).get("/api/v1/casework/patrols/").status_code == 403
