"""Journey 6: the admin finds a household in the Django admin, sees its audit history, and cannot
edit a paid payment's amount."""

import pytest

from assistance import services
from assistance.models import Batch, Household, Payment
from portal.models import Role
from tests.e2e.conftest import goto, login, wait_until
from tests.e2e.test_approver_journey import seed_batch


@pytest.mark.django_db(transaction=True)
def test_admin_finds_household_audit_history_and_paid_amount_is_read_only(make_page, make_user,
                                                                         celery_worker_for_live_server):
    caseworker = make_user(Role.CASEWORKER, "610100", username="e2e_cw3", first_name="李民政")
    approver = make_user(Role.APPROVER, "610100", username="e2e_ap3", first_name="赵审批")
    make_user(Role.ADMIN, None, username="e2e_admin", first_name="系统管理员")
    batch = seed_batch(caseworker)
    services.batch_approve(batch=batch, actor=approver)
    wait_until(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID, message="batch paid")
    household = Household.objects.get()
    paid = Payment.objects.filter(status=Payment.Status.PAID).order_by("id").first()

    page, shot = make_page()
    login(page, "e2e_admin")
    goto(page, "/admin/", "管理后台")
    assert page.locator("caption", has_text="社会救助").count() == 1
    shot("admin-home")

    goto(page, "/admin/assistance/household/", "管理后台：家庭")
    page.fill("#searchbar", "谭家街道")
    page.locator("#changelist-search input[type=submit]").click()
    page.wait_for_url("**/admin/assistance/household/?q=*")
    results = page.locator("#result_list tbody tr")
    results.first.wait_for()
    assert results.count() == 1
    shot("household-found")
    results.first.locator("th a").click()
    page.wait_for_url(f"**/admin/assistance/household/{household.pk}/change/**")
    history = page.locator("table.audit-history tbody tr")
    actions = history.all_inner_texts()
    assert any("assistance.household_create" in a and "李民政" in a for a in actions), actions
    assert sum("assistance.enrolment_create" in a for a in actions) == 3
    assert page.locator("input[name=bank_account]").count() == 0  # the account number is not shown
    shot("household-audit-history")
    page.get_by_role("link", name="在审计记录中查看本户的全部记录").click()
    page.wait_for_url("**/admin/portal/auditevent/?object_type=assistance.Household*")
    page.locator("#result_list").wait_for()
    assert page.locator("#result_list tbody tr").count() == 1
    shot("audit-changelist")

    goto(page, f"/admin/assistance/payment/{paid.pk}/change/", "管理后台：发放明细")
    assert page.locator("input[name=amount], input[name=status]").count() == 0
    assert "¥300.00" in page.locator("body").inner_text()
    shot("paid-payment-read-only")
    save = page.locator("input[name=_save]")
    if save.count():
        save.click()
    paid.refresh_from_db()
    assert paid.amount == 30000 and paid.status == Payment.Status.PAID
    shot("after-save")
