"""Journey: a hospital cashier (desktop) records a pooled spend from the payment code the patient shows:
a wrong code gets the one generic refusal, the right one is recorded and listed; the code cannot be used
twice."""

import pytest

from medical_pooling import services
from medical_pooling.models import Spend
from portal.models import Role
from tests.e2e.conftest import goto, login
from tests.factories import UserFactory
from tests.medical_pooling.factories import code_for, insured, recent, relation


@pytest.mark.django_db(transaction=True)
def test_cashier_records_a_spend_from_a_payment_code(make_page, celery_worker_for_live_server):
    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 120000)
    services.institution_ensure(code="H34160200001", name="亳州市人民医院")
    UserFactory(role=Role.INSTITUTION, region_id=None, institution_code="H34160200001", username="e2e_cashier",
                first_name="收费员")
    code = code_for(rel)  # shown on the patient's phone

    page, shot = make_page()
    login(page, "e2e_cashier")
    goto(page, "/pooling/spend/", "共济支付登记")
    assert page.locator("#id_relation").count() == 0 and page.locator("#id_beneficiary_id_number").count() == 0
    at = recent(days_ago=0, hour=0).strftime("%Y-%m-%dT%H:%M")

    def fill(payment_code, amount):
        page.get_by_label("付款码").fill(payment_code)
        page.get_by_label("支付类别").select_option("medical")
        page.get_by_label("金额（元）").fill(amount)
        page.get_by_label("发生时间").fill(at)
        page.get_by_role("button", name="登记支付").click()
        page.wait_for_load_state()

    fill("123456789012345678", "386.50")
    assert services.SPEND_REFUSED in page.content()
    shot("wrong-code")
    fill(code, "386.50")
    page.wait_for_url("**/pooling/spend/")
    assert "共济支付已登记" in page.locator(".alert-success").inner_text()
    row = page.locator("tbody tr", has_text=parent.person.name)
    assert "¥386.50" in row.inner_text()
    shot("recorded")
    fill(code, "10.00")  # the same code again
    assert services.SPEND_REFUSED in page.content()
    spend = Spend.objects.get()
    assert spend.amount == 38650 and spend.relation_id == rel.pk and spend.clearing_month
