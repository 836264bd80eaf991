"""Roster import: per-row errors, nothing saved on error, or only the valid households on request."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.models import Enrolment, Household

from . import factories as f

pytestmark = pytest.mark.django_db

HEADER = "户编号,区域代码,城乡,住址,银行账号,姓名,身份证号码,与户主关系,救助类别,月救助金额,起始日期"


def _csv(rows):
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8-sig")


def _upload(client, data, name="roster.csv", only_valid=False):
    payload = {"file": SimpleUploadedFile(name, data)}
    if only_valid:
        payload["only_valid"] = "on"
    return client.post("/assistance/households/import/", payload)


def test_errors_reported_per_row_and_nothing_saved(caseworker, client):
    good, bad = f.new_id(), f.new_id()
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    other = f.new_id()
    data = _csv([
        f"A,610112,城市,未央区1号,6222000011112222,张一,{good},户主,低保,790.00,2025-01-01",
        f"A,610112,城市,未央区1号,,张二,{other},子女,,,",
        f"B,610113,农村,雁塔区2号,,李一,{bad},户主,特困,1190,2025-01-01",
        f"C,120101,城市,和平区3号,,赵一,{f.new_id('120101')},户主,低保,1245,2025-01-01",
    ])
    client.force_login(caseworker)
    page = _upload(client, data).content.decode()
    assert "校验码" in page and "管辖范围" in page
    assert "<td>4</td>" in page and "<td>5</td>" in page
    assert Household.objects.count() == 0
    page = _upload(client, data, only_valid=True).content.decode()
    assert "已导入 1 户" in page
    hh = Household.objects.get()
    assert hh.members.count() == 2 and hh.head.id_number == good
    assert Enrolment.objects.get().monthly_amount == 79000


def test_xlsx_and_duplicate_members(caseworker, client):
    existing = f.household(caseworker, members=1, enrol=False).head.id_number
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    n1 = f.new_id()
    ws.append(["X", "610112", "农村", "某村1组", "", "王一", n1, "head", "dibao", "560", "2025-02-01"])
    ws.append(["X", "610112", "农村", "某村1组", "", "王二", n1, "spouse", "", "", ""])
    ws.append(["Y", "610112", "农村", "某村2组", "", "王三", existing, "户主", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(caseworker)
    page = _upload(client, buf.getvalue(), name="r.xlsx").content.decode()
    assert "与第2行身份证号码重复" in page and "另一家庭" in page
    assert Household.objects.count() == 1


def test_roster_import_is_for_caseworkers(approver, client):
    client.force_login(approver)
    assert client.get("/assistance/households/import/").status_code == 403
