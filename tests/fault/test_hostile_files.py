"""Hostile spreadsheets: GBK vs UTF-8-with-BOM encodings, undecodable bytes, wrong columns, oversized
files, other file types — refused with a clear Chinese message and nothing saved, or read correctly; and
exports neutralise cells a spreadsheet would run as formulas."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assistance.channels import write_bank_file
from assistance.models import Household
from medical_pooling.models import Insured
from portal import tabular
from portal.models import Role
from tests.factories import UserFactory, id_number_for

pytestmark = pytest.mark.django_db

ROSTER_HEADER = "户编号,区域代码,城乡,住址,银行账号,姓名,身份证号码,与户主关系,救助类别,月救助金额,起始日期"


def _roster(encoding, name="王建国"):
    number = id_number_for("610112", seq=8801)
    text = f"{ROSTER_HEADER}\nA,610112,城市,未央区凤城路1号,,{name},{number},户主,低保,790.00,2025-01-01\n"
    return text.encode(encoding), number


@pytest.fixture
def caseworker_client(client):
    client.force_login(UserFactory(username="files_cw", role=Role.CASEWORKER, region_id="610100"))
    return client


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_roster_in_chinese_office_encodings_keeps_the_names(caseworker_client, encoding):
    data, number = _roster(encoding)
    caseworker_client.post("/assistance/households/import/",
                           {"file": SimpleUploadedFile("roster.csv", data)})
    household = Household.objects.get()
    assert household.head.name == "王建国" and household.head.id_number == number
    assert household.address == "未央区凤城路1号"


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("roster.csv", b"\xff\xfe\x00\x00garbage\x81\x30", "编码"),
        ("roster.csv", "姓名,电话\n张三,123\n".encode(), "缺少列"),
        ("roster.exe", b"MZ\x90\x00", "CSV 或 XLSX"),
        ("roster.xlsx", b"PK\x03\x04 not really a workbook", "Excel"),
        ("roster.csv", b"", "空"),
    ],
)
def test_bad_roster_files_are_refused_and_save_nothing(caseworker_client, filename, data, message):
    page = caseworker_client.post("/assistance/households/import/",
                                  {"file": SimpleUploadedFile(filename, data)}).content.decode()
    assert message in page
    assert Household.objects.count() == 0


def test_oversized_files_are_refused_before_reading():
    with pytest.raises(ValidationError) as exc:
        tabular.read_table(b"a" * 1024, "big.csv", max_bytes=512)
    assert "文件过大" in exc.value.messages[0]


def test_insured_import_reads_gbk_and_refuses_wrong_columns(client):
    client.force_login(UserFactory(username="files_officer", role=Role.INSURANCE_OFFICER, region_id=None))
    number = id_number_for("341602", seq=8802)
    text = f"身份证号码,姓名,参保险种,统筹地区代码,个人账户余额\n{number},王德福,城乡居民医保,341600,\n"
    client.post("/pooling/insured/import/", {"file": SimpleUploadedFile("insured.csv", text.encode("gbk"))})
    assert Insured.objects.get().person.name == "王德福"
    page = client.post("/pooling/insured/import/",
                       {"file": SimpleUploadedFile("x.csv", "号码,名字\n1,2\n".encode())}).content.decode()
    assert "表头须包含" in page and Insured.objects.count() == 1


def test_bank_file_neutralises_formula_cells():
    out = io.StringIO()
    rows = [{"id": 1, "name": '=HYPERLINK("http://x","点我")', "id_number": "610112199001010015",
             "household__bank_account": "+6222020200112233445", "amount": 80000, "attempts": 0}]

    class B:
        pk = 7

    write_bank_file(B(), rows, out)
    cells = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert cells[1].startswith("'=HYPERLINK") and cells[3] == "'+6222020200112233445"
    assert cells[4] == "800.00"
