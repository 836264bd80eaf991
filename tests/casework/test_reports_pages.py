import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from casework import services
from casework.models import Application, Encounter
from casework.reports import neutralise

from . import factories as f

REPORT = "/api/v1/casework/reports/"


def _street(caseworker, outsider):
    inv = f.inventory(caseworker, food=10, clothing=10, bedding=10)
    shelter = f.shelter(caseworker, capacity=5)
    p = f.patrol(caseworker, inventory=inv, vehicles_sent=2)
    for i in range(2):
        services.encounter_create(patrol=p, actor=caseworker, at=timezone.now(), location=f"路口{i}",
                                  condition="cold", outcome="shelter", shelter=shelter, food=2, clothing=1,
                                  unidentified_description=f"人员{i}")
    # out of region (Tianjin): must not be counted for Xi'an
    tj_inv = f.inventory(outsider, region="120101", food=5)
    tp = f.patrol(outsider, region="120101", inventory=tj_inv, vehicles_sent=7)
    services.encounter_create(patrol=tp, actor=outsider, at=timezone.now(), location="天津站", condition="cold",
                              outcome="on_site", food=3, unidentified_description="天津人员")


@pytest.mark.django_db
def test_report_aggregates_respect_region(api, caseworker, outsider, make_user):
    _street(caseworker, outsider)
    services.temporary_aid_create(id_number=f.new_id(), name="甲", region="610112", kind="emergency", amount=50000,
                                  reason="急病", actor=caseworker)
    services.temporary_aid_create(id_number=f.new_id(), name="乙", region="610112", kind="transition", amount=30000,
                                  reason="断炊", form="in_kind", goods="米面油", actor=caseworker)
    r = api(caseworker).get(REPORT)
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["street"]["person_times"] == 2 and data["street"]["vehicles_sent"] == 2
    assert data["street"]["food"] == 4 and data["street"]["items"] == 6
    assert data["temporary_aid"]["cash"] == "500.00" and data["temporary_aid"]["in_kind"] == "300.00"
    assert data["temporary_aid"]["person_times"] == 2
    assert data["shelters"]["points"] == 1
    assert Encounter.objects.count() == 3
    tj = api(outsider).get(REPORT).json()
    assert tj["street"]["person_times"] == 1 and tj["street"]["vehicles_sent"] == 7
    assert api(caseworker).get(REPORT + "?region=120000").status_code == 404
    district = api(caseworker).get(REPORT + "?region=610113").json()
    assert district["street"]["person_times"] == 0
    officer = make_user("insurance_officer", None, username="off1")
    assert api(officer).get(REPORT).status_code == 403


def test_csv_neutralisation_unit():
    assert neutralise("=SUM(A1)") == "'=SUM(A1)" and neutralise("+1") == "'+1"
    assert neutralise("-2") == "'-2" and neutralise("@x") == "'@x" and neutralise("正常") == "正常"
    assert neutralise(5) == 5


@pytest.mark.django_db
def test_csv_and_xlsx_exports_neutralise(client, caseworker, django_user_model):
    # a region name starting with "=" would run as a formula in a spreadsheet
    from portal.models import Region
    Region.objects.filter(code="610112").update(name="=HYPERLINK(\"x\")")
    services.temporary_aid_create(id_number=f.new_id(), name="甲", region="610112", kind="emergency", amount=50000,
                                  reason="急病", actor=caseworker)
    client.force_login(caseworker)
    r = client.get(reverse("casework:report-export", args=["csv"]))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'=HYPERLINK(\"x\")（610112）" in cells
    assert not any(c.startswith("=") for c in cells)
    assert ["临时救助", "现金救助（元）", "500.00"] in rows
    x = client.get(reverse("casework:report-export", args=["xlsx"]))
    ws = load_workbook(io.BytesIO(x.content)).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "'=HYPERLINK(\"x\")（610112）" in values
    page = client.get(reverse("casework:report"))
    assert page.status_code == 200 and b"<svg" in page.content


@pytest.mark.django_db
def test_pages_render_and_deny(client, caseworker, make_user):
    client.force_login(caseworker)
    for name in ["application-list", "application-create", "aid-list", "aid-create", "patrol-list", "patrol-create",
                 "shelter-list", "visit-list", "visit-create", "discovery-list", "report"]:
        assert client.get(reverse(f"casework:{name}")).status_code == 200, name
    officer = make_user("insurance_officer", None, username="off2")
    client.force_login(officer)
    assert client.get(reverse("casework:application-list")).status_code == 403


@pytest.mark.django_db
def test_intake_form_with_upload_and_late_highlight(client, caseworker):
    client.force_login(caseworker)
    url = reverse("casework:application-create")
    bad = client.post(url, {"id_number": f.new_id(), "name": "王表单", "region": "610112", "category": "dibao",
                            "requested_amount": "500", "document": SimpleUploadedFile("x.exe", b"MZ"),
                            "document_kind": "other"})
    assert bad.status_code == 200 and "只能上传 PDF、JPG 或 PNG" in bad.content.decode()
    assert Application.objects.count() == 0
    ok = client.post(url, {"id_number": f.new_id(), "name": "王表单", "region": "610112", "category": "dibao",
                           "requested_amount": "500", "document": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n00"),
                           "document_kind": "income"})
    assert ok.status_code == 302
    app = Application.objects.get()
    assert app.documents.count() == 1 and app.requested_amount == 50000
    Application.objects.filter(pk=app.pk).update(due_on="2025-01-01")
    page = client.get(reverse("casework:application-list")).content.decode()
    assert "table-danger" in page and "已超期" in page


@pytest.mark.django_db
def test_review_form_same_person_denied(client, caseworker, caseworker2):
    app = services.application_intake(id_number=f.new_id(), name="李", region="610112", category="dibao",
                                      requested_amount=1000, actor=caseworker)
    client.force_login(caseworker)
    r = client.post(reverse("casework:application-review", args=[app.pk]), {"note": ""})
    assert r.status_code == 403
    client.force_login(caseworker2)
    r = client.post(reverse("casework:application-review", args=[app.pk]), {"note": "ok"})
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == "reviewed"


@pytest.mark.django_db
def test_encounter_form_full_shelter(client, caseworker):
    shelter = f.shelter(caseworker, capacity=0)
    p = f.patrol(caseworker)
    client.force_login(caseworker)
    r = client.post(reverse("casework:patrol-detail", args=[p.pk]), {
        "at": "2026-01-10T22:00", "location": "钟楼", "unidentified_description": "老人", "condition": "cold",
        "food": 0, "clothing": 0, "bedding": 0, "outcome": "shelter", "shelter": shelter.pk})
    assert r.status_code == 200 and "已满员" in r.content.decode()
    assert not Encounter.objects.exists()


@pytest.mark.django_db
def test_openapi_schema_has_casework_without_warnings(client, admin_user, capsys):
    client.force_login(admin_user)
    r = client.get("/api/schema/")
    assert r.status_code == 200
    text = r.content.decode()
    assert "/api/v1/casework/temporary-aid/" in text and "/api/v1/casework/reports/" in text
    err = capsys.readouterr().err
    assert "casework" not in err
