"""Journey 2: an approver sees the batch waiting, approves it, watches the payout, re-issues the
payment the (simulated) bank refused, and downloads the bank file."""

import datetime as dt

import pytest
from django.utils import timezone

from assistance import services
from assistance.models import Batch, Payment, Scheme
from portal.idnumber import make
from portal.models import Role
from tests.e2e.conftest import goto, login, wait_until

MEMBERS = [("赵大勇", make("61011219650303101"), "head"), ("钱桂兰", make("61011219670404102"), "spouse"),
           ("赵小明", make("61011220100505103"), "child")]


def seed_batch(caseworker) -> Batch:
    household = services.household_create(
        region="610112", area="urban", address="西安市未央区谭家街道100号", bank_account="6222020200998877665",
        members=[{"name": n, "id_number": i, "relation": r} for n, i, r in MEMBERS], actor=caseworker)
    assert household.pk
    start = timezone.localdate() - dt.timedelta(days=30)
    for _name, number, _rel in MEMBERS:
        services.enrolment_create(id_number=number, category="dibao", monthly_amount=65000, start=start,
                                  actor=caseworker)
    scheme = services.scheme_create(name="未央区取暖补贴（二月）", kind=Scheme.Kind.HEATING, region="610112",
                                    unit=Scheme.Unit.PERSON, categories=["dibao"], urban_amount=30000,
                                    rural_amount=20000, budget=500000, deadline=dt.date(2026, 2, 10),
                                    actor=caseworker)
    batch = services.batch_create(scheme=scheme, region="610112", actor=caseworker)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT, message="batch built")
    return Batch.objects.get(pk=batch.pk)


@pytest.mark.django_db(transaction=True)
def test_approver_approves_watches_payout_and_reissues(make_page, make_user, celery_worker_for_live_server,
                                                       simulated_bank):
    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw2", first_name="李民政")
    make_user(Role.APPROVER, "610100", username="e2e_ap", first_name="赵审批")
    failing = MEMBERS[2][1]
    simulated_bank.fail(failing[-3:])  # the bank refuses 赵小明's account
    batch = seed_batch(caseworker)
    assert batch.recipient_count == 3 and batch.total_amount == 90000

    page, shot = make_page()
    login(page, "e2e_ap")
    goto(page, "/assistance/batches/?status=draft", "发放批次（待审批）")
    row = page.locator("tbody tr", has_text="未央区取暖补贴（二月）")
    assert "待审批" in row.inner_text() and "¥900.00" in row.inner_text()
    shot("batches-waiting")

    row.get_by_role("link", name=str(batch.pk)).click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    shot("batch-to-approve")

    # approve (a confirmation dialog first), then the page follows the payout by itself
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    seen = []
    page.on("response", lambda r: seen.append(r.url) if "/progress/" in r.url else None)
    page.get_by_role("button", name="审批并发放").click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    assert dialogs == ["确认审批并开始发放？对象 3 人（户），金额 ¥900.00。"]  # the count and the amount
    shot("approved-paying")
    page.locator("#batch-progress", has_text="已发放").locator("[aria-valuenow='100']").wait_for(timeout=30_000)
    progress = page.locator("#batch-progress").inner_text()
    assert "对象 3 · 已发放 2 · 失败 1" in progress, progress
    if celery_worker_for_live_server is not None:
        assert seen, "the page should have polled the payout progress"
    batch.refresh_from_db()
    assert batch.status == Batch.Status.PAID and batch.paid_amount == 60000
    assert page.locator("dd", has_text="¥600.00").count() >= 1
    shot("payout-done-one-failed")

    # the failed payment: reason shown; the account is repaired at the bank, then it is re-issued
    page.get_by_role("link", name="失败明细（可重新发放）").click()
    page.wait_for_url("**/payments/?status=failed")
    failed = page.locator("tbody tr")
    assert failed.count() == 1
    assert "赵小明" in failed.first.inner_text() and "模拟渠道" in failed.first.inner_text()
    assert failing not in page.content()  # masked
    shot("failed-payment")
    simulated_bank.fail()
    failed.first.get_by_role("button", name="重新发放").click()
    page.wait_for_url("**/payments/?status=failed")
    assert "已重新发放" in page.locator(".alert-success").inner_text()
    shot("reissued")
    payment = Payment.objects.get(id_number=failing)
    wait_until(lambda: Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID, message="re-issued paid")
    assert Payment.objects.get(pk=payment.pk).attempts == 2

    goto(page, f"/assistance/batches/{batch.pk}/", "发放批次详情")
    page.locator("#batch-progress", has_text="已发放").locator("[aria-valuenow='100']").wait_for()
    assert "对象 3 · 已发放 3 · 失败 0" in page.locator("#batch-progress").inner_text()
    assert page.locator("dd", has_text="¥900.00").count() == 2  # total and paid
    shot("all-paid")

    # the bank file (CSV, UTF-8 with BOM, Chinese header); it lists what is still pending: nothing now
    with page.expect_download() as info:
        page.get_by_role("link", name="下载银行代发文件").click()
    download = info.value
    assert download.suggested_filename == f"batch-{batch.pk}-bank.csv"
    data = open(download.path(), "rb").read()
    assert data.startswith("\ufeff明细编号,户名,身份证号码,银行账号,金额（元）,参考号".encode())
    assert data.decode("utf-8-sig").strip().count("\n") == 0
    shot("bank-file-downloaded")
