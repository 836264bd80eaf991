"""Journey 1: a caseworker (Chinese UI) registers a household, enrols it, creates a heating scheme,
builds a batch and watches it finish without reloading, then reviews the district totals."""

import datetime as dt

import pytest
from django.utils import timezone

from assistance.models import Batch, Enrolment, Household, Scheme
from portal.idnumber import make
from portal.models import Role
from tests.e2e.conftest import goto, login

HEAD_ID = make("61011219700101123")
SPOUSE_ID = make("61011219720202124")


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.mark.django_db(transaction=True)
def test_caseworker_registers_enrols_and_builds_a_batch(make_page, make_user, celery_worker_for_live_server):
    make_user(Role.CASEWORKER, "610100", username="e2e_cw", first_name="李民政")
    page, shot = make_page()
    login(page, "e2e_cw")
    shot("dashboard")

    # --- register a household: the wrong check digit is caught inline, in Chinese, nothing saved
    goto(page, "/assistance/households/new/", "家庭登记")
    assert page.locator("h1").inner_text() == "登记家庭"
    page.select_option("#id_region", "610112")
    page.select_option("#id_area", "urban")
    page.fill("#id_address", "西安市未央区张家堡街道凤城八路88号")
    page.fill("#id_bank_account", "6222020200112233445")
    page.fill("#id_members-0-name", "张建华")
    page.fill("#id_members-0-id_number", HEAD_ID)
    page.select_option("#id_members-0-relation", "head")
    page.get_by_role("button", name="添加成员").click()  # one row to start; a second for the spouse
    page.fill("#id_members-1-name", "刘秀英")
    page.fill("#id_members-1-id_number", wrong_check_digit(SPOUSE_ID))
    page.select_option("#id_members-1-relation", "spouse")
    shot("household-form-filled")
    page.click("main form button[type=submit]")
    error = page.locator("#id_members-1-id_number-err")
    assert error.inner_text() == "身份证号码校验码错误，请核对后重新输入。"
    assert "is-invalid" in page.get_attribute("#id_members-1-id_number", "class")
    assert page.input_value("#id_members-0-name") == "张建华"  # what was typed is kept
    assert not Household.objects.exists()
    shot("household-wrong-check-digit")

    page.fill("#id_members-1-id_number", SPOUSE_ID)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/assistance/households/*/")
    assert "家庭已登记" in page.locator(".alert-success").inner_text()
    rows = page.locator("table").first.locator("tbody tr")
    assert rows.count() == 2
    assert "610112********1234"[:6] in rows.nth(0).inner_text()  # masked ID numbers only
    assert HEAD_ID not in page.content()
    shot("household-registered")

    # --- enrol both members (低保, ¥650.00 a month)
    start = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    for i in range(2):
        page.locator("table").first.locator("tbody tr").nth(i).get_by_role("link", name="新增认定").click()
        page.wait_for_url("**/assistance/enrolments/new/**")
        assert page.locator("#id_id_number").count() == 0  # the member's name and masked number, never in full
        assert "610112********" in page.locator("h1").inner_text()
        assert HEAD_ID not in page.content() and SPOUSE_ID not in page.content()
        page.select_option("#id_category", "dibao")
        page.fill("#id_monthly_amount", "650")
        page.fill("#id_start", start)
        if i == 0:
            shot("enrolment-form")
        page.click("main form button[type=submit]")
        page.wait_for_url("**/assistance/households/*/")
    enrolments = page.locator("table").nth(1).locator("tbody tr")
    assert enrolments.count() == 2
    assert "¥650.00" in enrolments.nth(0).inner_text()
    assert Enrolment.objects.count() == 2
    assert "年" in enrolments.nth(0).inner_text()  # dates the Chinese way
    shot("household-enrolled")

    # --- a heating scheme
    goto(page, "/assistance/schemes/new/", "新建救助项目")
    page.fill("#id_name", "未央区2026年1月取暖补贴")
    page.select_option("#id_kind", "heating")
    page.select_option("#id_region", "610112")
    page.select_option("#id_unit", "person")
    page.check("input[name=categories][value=dibao]")
    page.fill("#id_urban_amount", "300")
    page.fill("#id_rural_amount", "200")
    page.fill("#id_budget", "1200")
    shot("scheme-form")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/assistance/schemes/")
    row = page.locator("tbody tr", has_text="未央区2026年1月取暖补贴")
    assert "¥300.00 / ¥200.00" in row.inner_text() and "¥1,200.00" in row.inner_text()
    assert Scheme.objects.get().kind == "heating"
    shot("scheme-list")

    # --- build a batch; the detail page polls (htmx) until the build is done, no manual reload
    polls = []
    page.on("response", lambda r: polls.append(r.url) if "/progress/" in r.url else None)
    row.get_by_role("link", name="生成批次").click()
    page.wait_for_url("**/assistance/batches/new/**")
    page.select_option("#id_region", "610112")
    shot("batch-form")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/assistance/batches/*/")
    shot("batch-created")
    page.locator("#batch-progress #payout-progress[aria-valuenow='0']").wait_for(timeout=30_000)
    page.get_by_text("按区县汇总").wait_for()
    batch = Batch.objects.get()
    assert batch.status == Batch.Status.DRAFT and batch.progress == 100
    if celery_worker_for_live_server is not None and not polls:
        # the worker may finish before the first paint; then the page never needed to poll
        assert page.locator("#batch-progress[hx-get]").count() == 0
    assert "100%" not in page.locator("#batch-progress").inner_text()  # built, but nothing paid yet
    assert "待审批" in page.locator("#batch-progress").inner_text()
    shot("batch-built")

    # --- district totals: 未央区, 2 people, ¥600.00
    district = page.locator("table", has=page.locator("th", has_text="区县")).locator("tbody tr")
    assert district.count() == 1
    cells = district.first.locator("td").all_inner_texts()
    assert cells[0] == "未央区" and cells[1] == "2" and cells[2] == "¥600.00"
    assert "待另一名审批人员审批" in page.content()
    shot("district-totals")
