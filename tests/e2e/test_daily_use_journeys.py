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
