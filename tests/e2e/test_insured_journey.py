"""Journey 3: an insured worker on a phone (390×844) sees the balance, adds a parent with a quota,
sees the available amount drop, dissolves the relation after a confirmation and sees it return."""

import pytest

from medical_pooling.models import Relation
from portal.models import Role
from tests.e2e.conftest import goto, login
from tests.factories import UserFactory
from tests.medical_pooling.factories import insured


def card_value(page, label):
    return page.locator(".card", has_text=label).locator(".mp-money").inner_text()


@pytest.mark.django_db(transaction=True)
def test_insured_worker_adds_and_dissolves_a_parent_on_a_phone(make_page, celery_worker_for_live_server):
    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    parent = insured(scheme="resident", region="341600", person_region="341602")
    UserFactory(role=Role.INSURED, region_id=None, person=worker.person, username="e2e_insured",
                first_name=worker.person.name)

    page, shot = make_page(viewport=(390, 844), mobile=True)
    login(page, "e2e_insured")
    goto(page, "/pooling/", "我的医保共济")
    assert page.locator("h1").inner_text() == "我的医保共济"
    assert card_value(page, "账户余额") == "¥5,000.00"
    assert card_value(page, "可用余额") == "¥5,000.00"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot("balance")

    page.get_by_role("link", name="添加亲属").click()
    page.wait_for_url("**/pooling/relations/new/")
    page.get_by_label("亲属身份证号码").fill(parent.person.id_number)
    page.get_by_label("亲属姓名").fill(parent.person.name)
    page.get_by_label("亲属关系").select_option("parent")
    page.get_by_label("共济额度（元）").fill("1200")
    shot("add-parent")
    page.get_by_role("button", name="建立共济关系").click()
    page.wait_for_url("**/pooling/")
    assert "共济关系已建立" in page.locator(".alert-success").inner_text()
    assert card_value(page, "共济占用") == "¥1,200.00"
    assert card_value(page, "可用余额") == "¥3,800.00"
    relation = page.locator(".card", has_text=parent.person.name)
    assert "父母" in relation.inner_text() and "额度 ¥1,200.00" in relation.inner_text()
    shot("parent-added")

    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    relation.get_by_role("button", name="解除共济").click()
    page.wait_for_url("**/pooling/")
    assert dialogs and "确定解除" in dialogs[0]
    assert "共济关系已解除" in page.locator(".alert-success").inner_text()
    assert card_value(page, "共济占用") == "¥0.00"
    assert card_value(page, "可用余额") == "¥5,000.00"
    assert Relation.objects.get().status == Relation.Status.DISSOLVED
    shot("dissolved-available-back")
