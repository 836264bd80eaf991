"""与受灾人员救助政策的衔接: events, affected households (by hand, CSV/XLSX import with a per-row report),
emergency/transition living aid through the temporary-aid path, review tasks after the transition period."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from casework import selectors, services
from casework.models import AffectedHousehold, AidPayment, TemporaryAid
from casework.tasks import disaster_review_open_task

from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def _event(actor, *, days_ago=40, emergency=10, transition=25):
    start = TODAY - dt.timedelta(days=days_ago)
    return services.disaster_event_create(region="610100", kind="snow", name="低温雨雪冰冻灾害", area="蓝田县山区",
                                          occurred_on=start, emergency_ends_on=start + dt.timedelta(days=emergency),
                                          transition_ends_on=start + dt.timedelta(days=transition), actor=actor)


def test_event_dates_refused_in_chinese(api, caseworker):
    r = api(caseworker).post("/api/v1/casework/disasters/", {
        "region": "610100", "kind": "flood", "name": "洪涝", "occurred_on": "2026-01-10",
        "emergency_ends_on": "2026-01-05", "transition_ends_on": "2026-02-01"}, format="json")
    assert r.status_code == 400 and "应急期结束日期" in r.json()["emergency_ends_on"][0]


def test_aid_in_each_phase_through_the_temporary_aid_path(api, caseworker):
    event = _event(caseworker, days_ago=5, emergency=10, transition=40)
    a = services.disaster_household_add(event=event, id_number=f.new_id(), name="受灾户", damage="collapsed",
                                        people=3, actor=caseworker)
    r = api(caseworker).post(f"/api/v1/casework/affected/{a.pk}/aid/", {"phase": "emergency", "amount": "800.00"},
                             format="json")
    assert r.status_code == 201, r.json()
    aid = TemporaryAid.objects.get()
    assert aid.kind == "emergency" and aid.purpose == "disaster" and aid.disaster_household == a
    assert AidPayment.objects.filter(aid=aid).exists()  # same payment path
    r = api(caseworker).post(f"/api/v1/casework/affected/{a.pk}/aid/", {"phase": "transition", "amount": "500.00"},
                             format="json")
    assert r.status_code == 400 and "该阶段内" in r.json()["granted_on"][0]
    assert TemporaryAid.objects.count() == 1
    d = selectors.disaster_figures(caseworker, region="610100")
    assert (d["households"], d["people"], d["emergency_times"], d["emergency_amount"]) == (1, 3, 1, 80000)


def test_import_csv_and_xlsx_with_per_row_report(api, caseworker, client):
    event = _event(caseworker)
    good, dup = f.new_id(), f.new_id()
    csv_text = ("身份证号码,姓名,受灾人数,受灾程度,情况说明\n"
                f"{good},甲,2,房屋倒塌,\n110101199001011234,乙,1,房屋倒塌,\n{dup},丙,1,很严重,\n{dup},丙,1,一般损坏,\n")
    upload = SimpleUploadedFile("list.csv", csv_text.encode("utf-8-sig"), content_type="text/csv")
    r = api(caseworker).post(f"/api/v1/casework/disasters/{event.pk}/import/", {"file": upload}, format="multipart")
    assert r.status_code == 200, r.json()
    rows = r.json()["rows"]
    assert [x["ok"] for x in rows] == [True, False, False, True]
    assert "受灾程度无效" in rows[2]["error"]
    assert AffectedHousehold.objects.count() == 2
    wb = Workbook()
    wb.active.append(["身份证号码", "姓名", "受灾程度"])
    wb.active.append([good, "甲", "房屋倒塌"])  # already registered
    wb.active.append([f.new_id(), "丁", "房屋未损"])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(caseworker)
    page = client.post(f"/casework/disasters/{event.pk}/", {"do": "import", "file": SimpleUploadedFile(
        "list.xlsx", buf.getvalue())}).content.decode()
    assert "已登记为本次灾害" in page and "import-report" in page
    assert AffectedHousehold.objects.count() == 3
    bad = SimpleUploadedFile("list.txt", b"x")
    r = api(caseworker).post(f"/api/v1/casework/disasters/{event.pk}/import/", {"file": bad}, format="multipart")
    assert r.status_code == 400 and "CSV" in r.json()["file"][0]


def test_review_tasks_after_transition_and_outcomes(api, caseworker, client):
    past = _event(caseworker, days_ago=40, transition=25)   # transition ended 15 days ago
    current = _event(caseworker, days_ago=5, transition=40)
    a = services.disaster_household_add(event=past, id_number=f.new_id(), name="甲", damage="severe", actor=caseworker)
    b = services.disaster_household_add(event=past, id_number=f.new_id(), name="乙", damage="none", actor=caseworker)
    services.disaster_household_add(event=current, id_number=f.new_id(), name="丙", damage="none", actor=caseworker)
    assert disaster_review_open_task() == 2
    assert disaster_review_open_task() == 0  # once
    url = f"/api/v1/casework/affected/{b.pk}/review/"
    r = api(caseworker).post(url, {"outcome": "none"}, format="json")
    assert r.status_code == 400 and "理由" in r.json()["reason"][0]
    assert api(caseworker).post(url, {"outcome": "none", "reason": "已恢复生产"}, format="json").status_code == 200
    client.force_login(caseworker)
    r = client.post(f"/casework/affected/{a.pk}/review/", {"outcome": "dibao", "ref": "999999"})
    assert r.status_code == 200 and "衔接记录编号" in r.content.decode()
    assert client.post(f"/casework/affected/{a.pk}/review/", {"outcome": "dibao"}).status_code == 302
    d = api(caseworker).get("/api/v1/casework/reports/", {"region": "610100",
                                                          "start": (TODAY - dt.timedelta(days=60)).isoformat()}).json()
    assert d["disaster"]["to_dibao"] == 1 and d["disaster"]["no_need"] == 1 and d["disaster"]["households"] == 3


def test_pages_create_event_and_add_household(client, caseworker, outsider):
    client.force_login(caseworker)
    r = client.post("/casework/disasters/new/", {"region": "610100", "kind": "flood", "name": "洪涝",
                                                 "occurred_on": TODAY.isoformat(), "emergency_ends_on": TODAY.isoformat(),
                                                 "transition_ends_on": TODAY.isoformat()})
    assert r.status_code == 302
    event = selectors.disaster_list(caseworker).get()
    r = client.post(f"/casework/disasters/{event.pk}/", {"do": "add", "id_number": "123", "name": "甲",
                                                         "people": "1", "damage": "none"})
    assert r.status_code == 200 and AffectedHousehold.objects.count() == 0
    client.force_login(outsider)
    assert client.get(f"/casework/disasters/{event.pk}/").status_code == 404
