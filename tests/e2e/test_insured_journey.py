"""Journey 3: an insured worker on a phone (390×844) sees the balance, asks to pool with a parent (the
request waits: nothing reserved), the parent accepts on their own phone and shows a payment code (big
digits and a QR code, counting down), the worker sees the available amount drop, dissolves the relation
after a confirmation and sees it return."""

import pytest

from medical_pooling.models import Relation
from portal.models import Role
from tests.e2e.conftest import goto, login
from tests.factories import UserFactory, plain_id
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
    page.get_by_label("亲属身份证号码").fill(plain_id(parent.person))
    page.get_by_label("亲属姓名").fill(parent.person.name)
    page.get_by_label("亲属关系").select_option("parent")
    page.get_by_label("共济额度（元）").fill("1200")
    shot("add-parent")
    page.get_by_role("button", name="建立共济关系").click()
    page.wait_for_url("**/pooling/")
    assert "等待对方确认" in page.locator(".alert-success").inner_text()
    assert card_value(page, "共济占用") == "¥0.00"  # a request reserves nothing
    assert "等待对方确认" in page.locator(".card", has_text=parent.person.name).inner_text()
    shot("request-pending")

    # the parent, on their own phone, accepts and shows a payment code
    UserFactory(role=Role.INSURED, region_id=None, person=parent.person, username="e2e_parent",
                first_name=parent.person.name)
    ppage, pshot = make_page(viewport=(390, 844), mobile=True)
    login(ppage, "e2e_parent")
    goto(ppage, "/pooling/", "我的医保共济")
    request = ppage.locator(".card", has_text=worker.person.name)
    assert "申请为您提供共济额度" in request.inner_text()
    request.get_by_role("button", name="同意共济").click()
    ppage.wait_for_url("**/pooling/")
    assert "已确认共济关系" in ppage.locator(".alert-success").inner_text()
    ppage.locator(".card", has_text=worker.person.name).get_by_role("button", name="出示付款码").click()
    ppage.wait_for_selector("#payment-code")
    code = ppage.locator("#payment-code").get_attribute("data-code")
    assert code and len(code) == 18 and code.isdigit()
    assert ppage.locator("#payment-code").inner_text().replace(" ", "").replace("\n", "") == code
    assert ppage.locator(".mp-qr svg").is_visible()
    first = int(ppage.locator(".mp-seconds").inner_text())
    ppage.wait_for_timeout(1500)  # (wait_for_function evaluates a string: the CSP allows no eval)
    assert int(ppage.locator(".mp-seconds").inner_text()) < first
    assert ppage.evaluate("document.documentElement.scrollWidth") <= 390
    pshot("payment-code")

    page.reload()
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
