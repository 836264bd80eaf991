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

