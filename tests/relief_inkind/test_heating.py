"""Heating-fee waivers: a fee-waiver batch puts each household on its company's list (never the bank); the
list is exported (CSV/XLSX); the company confirms the reduced bills (its user's page or an imported file),
all rows or none; the portal settles with the company by statement."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistance.models import Batch, Payment
from portal.models import AuditEvent, Role
from relief_inkind import services
from relief_inkind.models import Statement, WaiverLine
from tests.factories import UserFactory

from . import factories as f

pytestmark = pytest.mark.django_db


def _company_user(company):
    return UserFactory(role=Role.HEATING_COMPANY, region_id=None, institution_code=company.code)


def _rows(lines, **over):
    return [{"line": w.pk, "customer_number": w.customer_number, "amount": w.amount, "bill_number": f"B{w.pk}",
             **over} for w in lines]


def test_waiver_batch_lists_households_by_company_and_confirmation_pays_them(caseworker, approver):
    company, sch, batch = f.heating_setup(caseworker, approver, households=3, with_accounts=2)
    assert batch.channel == "fee_waiver"
    lines = list(WaiverLine.objects.filter(batch=batch))
    assert len(lines) == 2 and {w.company_id for w in lines} == {company.pk}
    statuses = sorted(Payment.objects.filter(batch=batch).values_list("status", flat=True))
    assert statuses == ["failed", "sent", "sent"]  # the household without a customer number
    data, ext = services.waiver_export(company=company, actor=caseworker)
    text = data.decode("utf-8-sig")
    assert ext == "csv" and text.splitlines()[0].startswith("明细编号,供热用户号") and "600.00" in text
    assert WaiverLine.objects.filter(exported_at__isnull=False).count() == 2
    xlsx, ext = services.waiver_export(company=company, actor=caseworker, fmt="xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ext == "xlsx" and ws.max_row == 3
    services.waiver_confirm(company=company, rows=_rows(lines), actor=_company_user(company))
    assert set(WaiverLine.objects.values_list("status", flat=True)) == {"confirmed"}
    batch.refresh_from_db()
    assert batch.paid_count == 2 and batch.status == Batch.Status.PAID  # the failed one waits for a re-issue
    sch.refresh_from_db()
    assert sch.paid == 2 * 60000
    st = services.heating_statement_create(company=company, actor=caseworker)
    assert (st.kind, st.count, st.amount) == ("heating", 2, 120000)
    with pytest.raises(ValidationError):
        services.heating_statement_create(company=company, actor=caseworker)
    services.statement_settle(statement=st, reference="ZF-1", actor=approver)
    assert Statement.objects.get(pk=st.pk).status == "settled"
    assert AuditEvent.objects.filter(action="relief_inkind.waiver_confirm").count() == 1


def test_one_bad_row_refuses_the_whole_confirmation(caseworker, approver):
    company, _sch, batch = f.heating_setup(caseworker, approver, households=2)
    lines = list(WaiverLine.objects.filter(batch=batch))
    rows = _rows(lines)
    rows[1]["amount"] = 1000
    with pytest.raises(ValidationError) as exc:
        services.waiver_confirm(company=company, rows=rows, actor=caseworker)
    assert "第 2 行" in str(exc.value) and "减免金额应为 600.00 元" in str(exc.value)
    rows = _rows(lines, customer_number="WRONG")
    with pytest.raises(ValidationError) as exc:
        services.waiver_confirm(company=company, rows=rows, actor=caseworker)
    assert "用户号与明细不符" in str(exc.value)
    assert set(WaiverLine.objects.values_list("status", flat=True)) == {"sent"}
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"sent"}
    assert not AuditEvent.objects.filter(action="relief_inkind.waiver_confirm").exists()


def test_a_company_confirms_only_its_own_lines(caseworker, approver, outsider):
    company, _sch, batch = f.heating_setup(caseworker, approver, households=1)
    other, _s2, _b2 = f.heating_setup(caseworker, approver, households=1)
    lines = list(WaiverLine.objects.filter(batch=batch))
    with pytest.raises(PermissionDenied):
        services.waiver_confirm(company=company, rows=_rows(lines), actor=_company_user(other))
    with pytest.raises(ValidationError) as exc:  # its own company, another company's line
        services.waiver_confirm(company=other, rows=_rows(lines), actor=_company_user(other))
    assert "不属于本单位" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.waiver_confirm(company=company, rows=_rows(lines), actor=outsider)
    with pytest.raises(PermissionDenied):
        services.waiver_export(company=company, actor=_company_user(company))
    assert WaiverLine.objects.filter(status="confirmed").count() == 0


def test_import_of_the_companys_returned_file(caseworker, approver):
    company, _sch, batch = f.heating_setup(caseworker, approver, households=2)
    lines = list(WaiverLine.objects.filter(batch=batch).order_by("id"))
    header = "明细编号,供热用户号,减免金额（元）,减免后账单号\n"
    bad = header + f"{lines[0].pk},{lines[0].customer_number},abc,B1\n"
    with pytest.raises(ValidationError) as exc:
        services.waiver_import(company=company, data=bad.encode(), filename="r.csv", actor=caseworker)
    assert "金额无效" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.waiver_import(company=company, data=b"a,b,c\n", filename="r.csv", actor=caseworker)
    assert "表头" in str(exc.value)
    good = header + "".join(f"{w.pk},{w.customer_number},600.00,B{w.pk}\n" for w in lines)
    assert services.waiver_import(company=company, data=good.encode("gb18030"), filename="r.csv",
                                  actor=caseworker) == 2
    assert WaiverLine.objects.filter(status="confirmed", bill_number__startswith="B").count() == 2
    with pytest.raises(ValidationError) as exc:  # again: already confirmed, nothing twice
        services.waiver_import(company=company, data=good.encode(), filename="r.csv", actor=caseworker)
    assert "已确认" in str(exc.value)


def test_heating_accounts_and_companies_refuse_bad_input(caseworker, approver):
    from assistance.models import Household

    company, _sch, _batch = f.heating_setup(caseworker, approver, households=2)
    with pytest.raises(ValidationError):
        services.company_register(code="x", name="热力", region="610100", actor=caseworker)
    with pytest.raises(ValidationError):
        services.company_register(code=company.code, name="热力", region="610100", actor=caseworker)
    a, b = Household.objects.order_by("pk")[:2]
    number = WaiverLine.objects.get(household=a).customer_number
    with pytest.raises(ValidationError) as exc:
        services.heating_account_set(household=b, company=company, customer_number=number, actor=caseworker)
    assert "另一户" in str(exc.value)
