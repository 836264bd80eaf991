"""区域一体化: hand-over of a street-relief case to another region, both regions see it, the receiving one
signs within the time limit; the home region acknowledges an 急难发生地 aid notice."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework import dashboard, selectors, services
from casework.models import Handover, HomeRegionNotice
from portal.models import Role
from tests.factories import plain_id

from . import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/casework/handovers/"


def _handover(cw, hours_ago=0, **extra):
    return services.handover_create(region="610112", to_region="120101", method="train", escort_by="王护送 138",
                                    depart_at=timezone.now() - dt.timedelta(hours=hours_ago),
                                    destination="天津市和平区救助站", id_number=f.new_id(), name="返乡人", actor=cw,
                                    **extra)


def test_both_regions_see_it_and_the_receiving_one_signs(api, caseworker, outsider, make_user):
    r = api(caseworker).post(URL, {"region": "610112", "to_region": "120101", "method": "escort",
                                   "escort_by": "张队员", "depart_at": timezone.now().isoformat(),
                                   "destination": "天津站", "id_number": f.new_id(), "name": "李返乡"}, format="json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["status"] == "sent"
    assert api(outsider).get(f"{URL}{pk}/").status_code == 200  # Tianjin sees it
    shanghai = make_user(Role.CASEWORKER, "310000", username="cw_sh")
    assert api(shanghai).get(f"{URL}{pk}/").status_code == 404
    # the sending region may not sign for the receiver
    assert api(caseworker).post(f"{URL}{pk}/acknowledge/", {}, format="json").status_code == 403
    assert api(outsider).post(f"{URL}{pk}/complete/", {"note": "已送回家"}, format="json").status_code == 400
    r = api(outsider).post(f"{URL}{pk}/acknowledge/", {"note": "已安排接站"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    r = api(outsider).post(f"{URL}{pk}/complete/", {"note": ""}, format="json")
    assert r.status_code == 400 and "接收安置情况" in r.json()["note"][0]
    r = api(outsider).post(f"{URL}{pk}/complete/", {"note": "已交其家属"}, format="json")
    assert r.json()["status"] == "completed"
    assert api(caseworker).get(f"{URL}{pk}/").json()["status"] == "completed"


def test_bad_input_refused_in_chinese_and_nothing_saved(api, caseworker):
    body = {"region": "610112", "to_region": "610100", "method": "train", "escort_by": "张",
            "depart_at": timezone.now().isoformat(), "destination": "x", "id_number": f.new_id(), "name": "甲"}
    r = api(caseworker).post(URL, body, format="json")
    assert r.status_code == 400 and "其他地区" in r.json()["to_region"][0]
    r = api(caseworker).post(URL, {**body, "to_region": "120101", "escort_by": " "}, format="json")
    assert r.status_code == 400
    assert not Handover.objects.exists()
    _handover(caseworker)
    with pytest.raises(Exception, match="尚未接收"):
        services.handover_create(region="610112", to_region="120101", method="bus", escort_by="x",
                                 depart_at=timezone.now(), destination="y",
                                 id_number=plain_id(Handover.objects.get().person),
                                 name=Handover.objects.get().person.name, actor=caseworker)


def test_overdue_on_both_dashboards(caseworker, outsider, client):
    _handover(caseworker, hours_ago=30)  # past the 24-hour limit
    _handover(caseworker)
    assert selectors.handover_overdue_counts(caseworker) == {"incoming": 0, "outgoing": 1}
    assert selectors.handover_overdue_counts(outsider) == {"incoming": 1, "outgoing": 0}
    assert any("超时" in w["title"] for w in dashboard.widgets(caseworker))
    assert any("超时" in w["title"] for w in dashboard.widgets(outsider))
    client.force_login(outsider)
    page = client.get("/casework/handovers/?overdue=1").content.decode()
    assert "超时" in page and page.count("table-danger") == 1
    h = Handover.objects.filter(ack_due_at__lt=timezone.now()).get()
    r = client.post(f"/casework/handovers/{h.pk}/acknowledge/", {"note": "迟签"})
    assert r.status_code == 302
    assert selectors.handover_overdue_counts(outsider)["incoming"] == 0


def test_handover_pages_create(client, caseworker):
    client.force_login(caseworker)
    r = client.post("/casework/handovers/new/", {"region": "610112", "to_region": "999999", "method": "train",
                                                 "escort_by": "张", "depart_at": "2026-01-15T10:00",
                                                 "destination": "x", "id_number": f.new_id(), "name": "甲"})
    assert r.status_code == 200 and "未知的行政区划代码" in r.content.decode()
    r = client.post("/casework/handovers/new/", {"region": "610112", "to_region": "120101", "method": "train",
                                                 "escort_by": "张", "depart_at": "2026-01-15T10:00",
                                                 "destination": "天津站", "id_number": f.new_id(), "name": "甲"})
    assert r.status_code == 302 and Handover.objects.count() == 1


def test_home_region_acknowledges_the_notice(api, caseworker, outsider, client):
    aid = services.temporary_aid_create(id_number=f.new_id("120101"), name="津籍务工", region="610112",
                                        kind="emergency", amount=50000, reason="钱物被盗", actor=caseworker)
    notice = HomeRegionNotice.objects.get(aid=aid)
    url = f"/api/v1/casework/home-notices/{notice.pk}/acknowledge/"
    assert api(caseworker).post(url, {"follow_up": "visit"}, format="json").status_code == 403
    r = api(outsider).post(url, {"follow_up": "none"}, format="json")
    assert r.status_code == 400 and "理由" in r.json()["note"][0]
    r = api(outsider).post(url, {"follow_up": "visit", "note": "回乡后入户核实"}, format="json")
    assert r.status_code == 200 and r.json()["acknowledged_at"]
    # both regions see the state; it cannot be signed twice
    assert api(caseworker).get("/api/v1/casework/home-notices/").json()["results"][0]["follow_up"] == "visit"
    with pytest.raises(Exception, match="已签收"):
        services.home_notice_acknowledge(notice=notice, actor=outsider, follow_up="visit")
    client.force_login(outsider)
    assert "回乡后入户核实" in client.get("/casework/notices/").content.decode()


def test_the_sending_region_cannot_complete(caseworker, outsider):
    h = services.handover_acknowledge(handover=_handover(caseworker), actor=outsider)
    with pytest.raises(PermissionDenied):
        services.handover_complete(handover=h, actor=caseworker, note="x")
