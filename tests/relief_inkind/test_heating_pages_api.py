"""Heating-fee waivers through the API and the pages: staff export and import, the company's user confirms
on its page, statements; allowed and denied, Chinese refusals, nothing half-saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.models import AuditEvent, Role
from relief_inkind.models import HeatingCompany, Statement, WaiverLine
from tests.factories import UserFactory

from . import factories as f

pytestmark = pytest.mark.django_db


def _company_user(company, **kw):
    return UserFactory(role=Role.HEATING_COMPANY, region_id=None, institution_code=company.code, **kw)


def test_heating_api_flow(api, caseworker, approver, outsider, make_user):
    company, sch, batch = f.heating_setup(caseworker, approver, households=2)
    cu = _company_user(company)
    assert api(outsider).post("/api/v1/inkind/heating/companies/",
                              {"code": "RL120000000001", "name": "津热", "region": "610100"},
                              format="json").status_code == 403
    bad = api(caseworker).post("/api/v1/inkind/heating/companies/", {"code": "x", "name": "热", "region": "610100"},
                               format="json")
    assert bad.status_code == 400 and "单位编码" in bad.json()["code"][0]
    assert api(cu).get("/api/v1/inkind/heating/companies/").json()["count"] == 1
    waivers = api(cu).get("/api/v1/inkind/heating/waivers/").json()
    assert waivers["count"] == 2 and waivers["results"][0]["amount"] == "600.00"
    other = f.heating_setup(caseworker, approver, households=1)[0]
    assert api(_company_user(other, username="other_co")).get("/api/v1/inkind/heating/waivers/").json()["count"] == 1
    export = api(caseworker).get(f"/api/v1/inkind/heating/companies/{company.pk}/export/?file=csv")
    assert export.status_code == 200 and "供热用户号" in export.content.decode("utf-8-sig")
    assert api(cu).get(f"/api/v1/inkind/heating/companies/{company.pk}/export/").status_code == 403
    assert AuditEvent.objects.filter(action="relief_inkind.waiver_export").count() == 1
    rows = [{"line": w["id"], "customer_number": w["customer_number"], "amount": w["amount"]}
            for w in waivers["results"]]
    wrong = api(cu).post("/api/v1/inkind/heating/waivers/confirm/",
                         {"company": company.pk, "rows": [{**rows[0], "amount": "1.00"}, rows[1]]}, format="json")
    assert wrong.status_code == 400 and "第 1 行" in wrong.json()["rows"][0]
    assert not WaiverLine.objects.filter(status="confirmed").exists()
    ok = api(cu).post("/api/v1/inkind/heating/waivers/confirm/", {"company": company.pk, "rows": rows}, format="json")
    assert ok.status_code == 200 and ok.json() == {"confirmed": 2}
    assert api(cu).post("/api/v1/inkind/statements/", {"company": company.pk}, format="json").status_code == 403
    st = api(caseworker).post("/api/v1/inkind/statements/", {"company": company.pk}, format="json")
    assert st.status_code == 201 and st.json()["amount"] == "1200.00" and st.json()["counterparty"] == company.code
    neither = api(caseworker).post("/api/v1/inkind/statements/", {}, format="json")
    assert neither.status_code == 400 and "二选一" in str(neither.json())
    ok = api(approver).post(f"/api/v1/inkind/statements/{st.json()['id']}/settle/", {"reference": "ZF1"},
                            format="json")
    assert ok.status_code == 200
    assert api(cu).get(f"/api/v1/inkind/statements/{st.json()['id']}/").json()["status"] == "settled"


def test_heating_import_api(api, caseworker, approver):
    company, _sch, batch = f.heating_setup(caseworker, approver, households=1)
    w = WaiverLine.objects.get(batch=batch)
    content = f"明细编号,供热用户号,减免金额（元）,减免后账单号\n{w.pk},{w.customer_number},600.00,B9\n".encode()
    r = api(caseworker).post(f"/api/v1/inkind/heating/companies/{company.pk}/import/",
                             {"file": SimpleUploadedFile("r.csv", content, "text/csv")}, format="multipart")
    assert r.status_code == 200 and r.json() == {"confirmed": 1}


def test_heating_pages_for_staff_and_company(client, caseworker, approver):
    company, _sch, batch = f.heating_setup(caseworker, approver, households=2)
    client.force_login(caseworker)
    page = client.get("/inkind/heating/")
    assert page.status_code == 200 and company.name in page.content.decode()
    assert client.get(f"/inkind/heating/companies/{company.pk}/export/?format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats")
    bad = client.post("/inkind/heating/companies/new/", {"code": "RL", "name": "热", "region": "610100"})
    assert "单位编码应为" in bad.content.decode() and HeatingCompany.objects.count() == 1
    cu = _company_user(company)
    client.force_login(cu)
    page = client.get("/inkind/heating/")
    assert page.status_code == 200 and 'name="line"' in page.content.decode()
    assert client.get(f"/inkind/heating/companies/{company.pk}/export/").status_code == 403
    ids = list(WaiverLine.objects.filter(batch=batch).values_list("pk", flat=True))
    resp = client.post("/inkind/heating/confirm/", {"line": [str(i) for i in ids], f"bill_{ids[0]}": "ZD1"})
    assert resp.status_code == 302
    assert WaiverLine.objects.filter(status="confirmed").count() == 2
    assert WaiverLine.objects.get(pk=ids[0]).bill_number == "ZD1"
    client.force_login(caseworker)
    assert client.post(f"/inkind/heating/companies/{company.pk}/statement/").status_code == 302
    assert Statement.objects.filter(kind="heating", amount=120000).exists()
