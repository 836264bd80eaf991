"""Issue 19, points 1–5: what slows a caseworker and an approver down in daily use, one journey each.
Screenshots land in artifacts/e2e/<test name>/ like every journey's."""

import pytest

from assistance.models import Batch
from portal.models import Role
from tests.e2e.conftest import goto, login
from tests.e2e.test_approver_journey import seed_batch

# --------------------------------------------------------------------------- 5. a pending batch


@pytest.mark.django_db(transaction=True)
def test_a_built_batch_waiting_for_approval_does_not_look_paid(make_page, make_user, celery_worker_for_live_server,
                                                               simulated_bank):
    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw5", first_name="李民政")
    batch = seed_batch(caseworker)
    page, shot = make_page()
    login(page, "e2e_cw5")
    goto(page, f"/assistance/batches/{batch.pk}/", "发放批次详情（待审批）")
    progress = page.locator("#batch-progress")
    text = progress.inner_text()
    # the build is done: a line, not a bar; the payout has not started: its bar is at 0
    assert "发放名单：已生成 · 对象 3 · 金额 ¥900.00" in text, text
    assert page.locator("#payout-progress").get_attribute("aria-valuenow") == "0"
    assert "尚未发放" in text and "100%" not in text
    assert page.locator("#build-progress").count() == 0
    assert "正在后台生成发放名单" not in page.content()
    shot("draft-batch-not-paid")
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT


# --------------------------------------------------------------------------- 4. approval


@pytest.mark.django_db(transaction=True)
def test_approver_sends_back_maker_resubmits_approver_approves_with_an_opinion(
        make_page, make_user, celery_worker_for_live_server, simulated_bank):
    from portal.models import AuditEvent
    from tests.e2e.conftest import wait_until

    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw4", first_name="李民政")
    make_user(Role.APPROVER, "610100", username="e2e_ap4", first_name="赵审批")

    # the maker builds a batch for a scheme whose deadline has passed: warned on the form and after
    seeded = seed_batch(caseworker)
    from assistance.models import Scheme
    Scheme.objects.filter(pk=seeded.scheme_id).update(deadline="2020-02-10")
    maker, maker_shot = make_page()
    login(maker, "e2e_cw4")
    goto(maker, f"/assistance/batches/new/?scheme={seeded.scheme_id}", "新建发放批次")
    assert "已过发放截止日期" in maker.locator("#id_scheme option:checked").inner_text()
    maker_shot("batch-form-past-deadline")
    from assistance import services
    services.batch_cancel(batch=seeded, actor=caseworker, reason="重新生成")
    maker.select_option("#id_region", "610112")
    maker.click("main form button[type=submit]")
    maker.wait_for_url("**/assistance/batches/*/")
    assert "发放截止日期（2020年2月10日）已过" in maker.locator(".alert-warning").first.inner_text()
    maker_shot("batch-built-past-deadline-warning")
    batch = Batch.objects.exclude(pk=seeded.pk).get()
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT, message="batch built")

    # the checker sends it back with a reason
    page, shot = make_page()
    login(page, "e2e_ap4")
    goto(page, f"/assistance/batches/{batch.pk}/", "发放批次详情（审批）")
    assert page.locator("#deadline-warning").is_visible()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.fill("#id_reason", "钱桂兰的银行账号有误，请核实后重新提交")
    shot("send-back-reason")
    page.get_by_role("button", name="退回制单人").click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    assert "已退回制单人修改" in page.locator(".alert-success").inner_text()
    assert "已退回修改" in page.locator("#batch-progress").inner_text()
    assert page.get_by_role("button", name="审批并发放").count() == 0
    shot("sent-back")
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.RETURNED

    # the maker sees why, and resubmits; the list is built again
    maker.on("dialog", lambda d: d.accept())
    goto(maker, f"/assistance/batches/{batch.pk}/", "发放批次详情（已退回）")
    assert "钱桂兰的银行账号有误" in maker.locator("#return-reason").inner_text()
    maker_shot("maker-sees-reason")
    maker.get_by_role("button", name="修改后重新提交").click()
    maker.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT, message="rebuilt")
    maker_shot("resubmitted")

    # the checker approves with an opinion; the confirmation names the count and the amount
    goto(page, f"/assistance/batches/{batch.pk}/", "发放批次详情（审批）")
    page.fill("#id_opinion", "已核实账号，同意发放。")
    shot("approve-with-opinion")
    page.get_by_role("button", name="审批并发放").click()
    page.wait_for_url(f"**/assistance/batches/{batch.pk}/")
    assert dialogs[-1] == "确认审批并开始发放？对象 3 人（户），金额 ¥900.00。", dialogs
    assert page.locator("#approval-opinion").inner_text() == "已核实账号，同意发放。"
    shot("approved-with-opinion")
    batch.refresh_from_db()
    assert batch.approval_opinion == "已核实账号，同意发放。" and batch.status != Batch.Status.DRAFT
    assert AuditEvent.objects.filter(action="assistance.batch_approve", note="已核实账号，同意发放。").exists()
    assert AuditEvent.objects.filter(action="assistance.batch_return").count() == 1


# --------------------------------------------------------------------------- 3. enrolment in bulk


@pytest.mark.django_db(transaction=True)
def test_caseworker_enrols_stops_and_ends_several_people_from_one_table(make_page, make_user):
    from assistance import services
    from assistance.models import Enrolment
    from tests.e2e.test_approver_journey import MEMBERS

    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw3", first_name="李民政")
    household = services.household_create(
        region="610112", area="urban", address="西安市未央区谭家街道100号", bank_account="6222020200998877665",
        members=[{"name": n, "id_number": i, "relation": r} for n, i, r in MEMBERS], actor=caseworker)
    page, shot = make_page()
    login(page, "e2e_cw3")
    goto(page, f"/assistance/households/{household.pk}/", "家庭详情")
    page.get_by_role("link", name="批量认定/停发/终止").click()
    page.wait_for_url("**/assistance/enrolments/?household=*")
    rows = page.locator("#bulk-enrolment tbody tr")
    assert rows.count() == 3
    for name, number, _rel in MEMBERS:
        row = page.locator("#bulk-enrolment tbody tr", has_text=name)
        assert number[:6] + "********" + number[-4:] in row.inner_text()
        assert number not in page.content()  # never the full number
    shot("enrolment-table")

    # enrol all three: 低保, ¥650.00 a month
    for name, _n, _r in MEMBERS:
        page.get_by_label(name).check()
    page.select_option("#id_action", "enrol")
    page.select_option("#id_category", "dibao")
    page.fill("#id_monthly_amount", "650")
    page.fill("#id_on", "2026-01-01")
    shot("enrol-three")
    page.get_by_role("button", name="办理").click()
    assert "已办理 3 人：认定（新增）" in page.locator(".alert-success").inner_text()
    assert page.locator("#bulk-enrolment tbody tr", has_text="城乡低保 ¥650.00").count() == 3
    shot("three-enrolled")

    # stop one (a reason is required: the error stands under the field), end another on a date ahead
    page.get_by_label(MEMBERS[2][0]).check()
    page.select_option("#id_action", "stop")
    page.fill("#id_on", "2026-04-30")
    page.get_by_role("button", name="办理").click()
    assert page.locator("#id_reason-err").inner_text() == "请填写停发原因。"
    assert Enrolment.objects.filter(status="ended").count() == 0
    shot("stop-needs-reason")
    page.fill("#id_reason", "已就业，收入超过标准")
    page.get_by_role("button", name="办理").click()
    assert "已办理 1 人：停发" in page.locator(".alert-success").inner_text()
    stopped = page.locator("#bulk-enrolment tbody tr", has_text=MEMBERS[2][0])
    assert "城乡低保" not in stopped.inner_text()

    page.get_by_label(MEMBERS[1][0]).check()
    page.select_option("#id_action", "end")
    page.select_option("#id_category", "dibao")
    page.fill("#id_on", "2099-12-31")
    page.get_by_role("button", name="办理").click()
    assert "已办理 1 人：终止（到期）" in page.locator(".alert-success").inner_text()
    assert "至2099年12月31日" in page.locator("#bulk-enrolment tbody tr", has_text=MEMBERS[1][0]).inner_text()
    shot("stopped-and-ended")
    assert Enrolment.objects.filter(status="ended", end="2026-04-30").count() == 1
    assert Enrolment.objects.filter(status="active", end="2099-12-31").count() == 1


# --------------------------------------------------------------------------- 1. search


@pytest.mark.django_db(transaction=True)
def test_caseworker_filters_by_district_street_community_and_searches_payments(
        make_page, make_user, celery_worker_for_live_server, simulated_bank):
    import io

    import openpyxl

    from assistance.models import Household
    from portal.idnumber import make
    from portal.models import AuditEvent, Locality
    from tests.e2e.test_approver_journey import MEMBERS

    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw1", first_name="李民政")
    for code, name, kind in (("610112001", "张家堡街道", "street"), ("610112002", "谭家街道", "street"),
                             ("610112001001", "凤城八路社区", "community"), ("610112001002", "文景社区", "community")):
        Locality.objects.create(code=code, name=name, kind=kind)
    batch = seed_batch(caseworker)  # one household in 610112, its three members paid by the batch
    household = Household.objects.get()
    Household.objects.filter(pk=household.pk).update(locality_id="610112001001")
    from assistance import services
    other = services.household_create(region="610112", area="urban", address="谭家街道1号", members=[
        {"name": "孙谭家", "id_number": make("61011219800101001"), "relation": "head"}], actor=caseworker)
    Household.objects.filter(pk=other.pk).update(locality_id="610112002")

    page, shot = make_page()
    login(page, "e2e_cw1")
    goto(page, "/assistance/households/", "救助家庭")
    # 区县 → 街道 → 社区, offered level by level from the region list (no code typed)
    district = page.get_by_label("区县")
    district.select_option(label="未央区")
    page.get_by_label("街道/乡镇").select_option(label="张家堡街道")
    page.get_by_label("社区/村").select_option(label="凤城八路社区")
    shot("region-pickers-chosen")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(lambda url: "region=610112001001" in url)
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1 and "赵大勇" in rows.first.inner_text()
    # the choice is kept after the search: all three pickers show it
    page.wait_for_function("() => (document.getElementById('region-level-2') || {}).value === '610112001001'")
    assert page.get_by_label("街道/乡镇").input_value() == "610112001"
    shot("filtered-by-community")
    page.get_by_label("街道/乡镇").select_option(label="谭家街道")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(lambda url: "region=610112002" in url)
    assert page.locator("main table tbody tr").count() == 1 and "孙谭家" in page.locator("main table").inner_text()
    shot("filtered-by-street")

    # the payment list: a name, then a full ID number; then the Excel export of what is listed
    goto(page, f"/assistance/batches/{batch.pk}/payments/", "发放明细")
    assert page.locator("tbody tr").count() == 3
    page.fill("#q", "钱桂兰")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert page.locator("tbody tr").count() == 1 and "钱桂兰" in page.locator("tbody").inner_text()
    shot("payments-by-name")
    page.fill("#q", MEMBERS[2][1])
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    assert page.locator("tbody tr").count() == 1 and "赵小明" in page.locator("tbody").inner_text()
    assert MEMBERS[2][1] not in page.locator("main table").inner_text()  # masked in the list
    shot("payments-by-id")
    page.fill("#q", "")
    with page.expect_navigation():
        page.get_by_role("button", name="查询").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="导出电子表格").click()
    download = info.value
    assert download.suggested_filename == f"batch-{batch.pk}-payments.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(open(download.path(), "rb").read())).active.values)
    assert rows[0][1:3] == ("姓名", "身份证号码") and len(rows) == 4
    assert all(r[2].count("*") == 8 for r in rows[1:])
    assert not any(number in str(r) for r in rows for _n, number, _r in MEMBERS)
    assert AuditEvent.objects.filter(action="assistance.payments_export", actor__username="e2e_cw1").exists()
    shot("payments-exported")


# --------------------------------------------------------------------------- 2. the household form


@pytest.mark.django_db(transaction=True)
def test_caseworker_registers_a_household_of_five_with_street_community_phone_and_health(make_page, make_user):
    from assistance.models import Household, Member
    from portal.idnumber import make
    from portal.models import Locality

    make_user(Role.CASEWORKER, "610100", username="e2e_cw2f", first_name="李民政")
    for code, name, kind in (("610112001", "张家堡街道", "street"), ("610112001001", "凤城八路社区", "community")):
        Locality.objects.create(code=code, name=name, kind=kind)
    people = [("周永福", make("61011219550101201"), "head", "2", "chronic"),
              ("吴秀珍", make("61011219570202202"), "spouse", "", "serious"),
              ("周小军", make("61011219850303203"), "child", "", "healthy"),
              ("周丽", make("61011220100404204"), "child", "", ""),
              ("周乐", make("61011220150505205"), "child", "4", "")]
    page, shot = make_page()
    login(page, "e2e_cw2f")
    goto(page, "/assistance/households/new/", "家庭登记")
    rows = page.locator("#member-rows .member-row")
    assert rows.count() == 1  # the head's row; more are added as needed
    # optional (added) rows carry no required-asterisks; the head's row does
    page.get_by_role("button", name="添加成员").click()
    assert rows.count() == 2
    assert rows.nth(0).locator(".text-danger", has_text="*").count() >= 2
    assert rows.nth(1).locator(".text-danger", has_text="*").count() == 0
    shot("form-two-rows")
    for _ in range(4):
        page.get_by_role("button", name="添加成员").click()
    assert rows.count() == 6
    rows.nth(5).get_by_role("button", name="删除此行").click()  # one too many: removed again
    assert rows.count() == 5
    assert page.locator("#id_members-TOTAL_FORMS").input_value() == "5"

    page.select_option("#id_region", "610112")
    page.get_by_label("街道/乡镇").select_option(label="张家堡街道")
    page.get_by_label("社区/村").select_option(label="凤城八路社区")
    page.select_option("#id_area", "urban")
    page.fill("#id_address", "凤城八路88号3单元501室")
    page.fill("#id_phone", "13891234567")
    for i, (name, number, relation, grade, health) in enumerate(people):
        page.fill(f"#id_members-{i}-name", name)
        page.fill(f"#id_members-{i}-id_number", number)
        page.select_option(f"#id_members-{i}-relation", relation)
        page.select_option(f"#id_members-{i}-disability_grade", grade)
        page.select_option(f"#id_members-{i}-health", health)
    # a row added and left blank is ignored
    page.get_by_role("button", name="添加成员").click()
    shot("form-filled-five-members")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/assistance/households/*/")
    assert "家庭已登记" in page.locator(".alert-success").inner_text()
    assert page.locator("#household-locality").inner_text() == "张家堡街道 · 凤城八路社区"
    details = page.locator("main dl").inner_text()
    assert "138****4567" in details and "13891234567" not in details  # stored encrypted, shown masked
    assert page.locator("table").first.locator("tbody tr").count() == 5
    assert "残疾二级 · 慢性病" in page.locator("table").first.locator("tbody tr").first.inner_text()
    shot("household-registered")
    household = Household.objects.get()
    assert household.locality_id == "610112001001" and household.phone == "13891234567"
    head = Member.objects.get(person__id_number=people[0][1])
    assert (head.disability_grade, head.health, head.severe_disability) == ("2", "chronic", True)
    assert Member.objects.get(person__id_number=people[4][1]).severe_disability is False
