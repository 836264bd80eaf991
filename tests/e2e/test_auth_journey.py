"""An approver's first sign-in: enrol an authenticator (QR and secret), keep the recovery codes, reach the
dashboard; the next sign-in asks for the code."""

import pytest

from portal import twofactor
from portal.models import Role
from tests.e2e.conftest import login
from tests.factories import UserFactory, totp_code


@pytest.mark.django_db(transaction=True)
def test_approver_enrols_at_first_sign_in_and_gives_a_code_the_next_time(make_page):
    UserFactory(role=Role.APPROVER, region_id="610100", username="e2e_ap_new", first_name="赵审批")
    page, shot = make_page()
    login(page, "e2e_ap_new")
    assert "/accounts/otp/setup/" in page.url
    assert page.locator("h1").inner_text() == "两步验证"
    assert page.locator(".otp-qr svg").count() == 1
    shot("enrol")
    secret = page.locator("#otp-secret").inner_text()
    page.fill("#id_otp_token", "000000" if totp_code(secret) != "000000" else "111111")
    page.click("#otp-submit")
    page.wait_for_selector("#otp-error")
    assert "验证码不正确" in page.locator("#otp-error").inner_text()
    page.fill("#id_otp_token", totp_code(secret))
    page.click("#otp-submit")
    page.wait_for_selector("#recovery-codes")
    assert page.locator("#recovery-codes li").count() == 10
    shot("recovery-codes")
    page.click("text=我已保存，继续")
    page.wait_for_url(lambda url: "/accounts/" not in url)
    assert page.locator("h1").inner_text() == "工作台"
    page.goto("/assistance/households/")
    assert "/accounts/" not in page.url

    page.click("button:has-text('退出')")
    page.wait_for_url("**/accounts/login/")
    login(page, "e2e_ap_new")  # types the current code (waits for the next one: the last was just used)
    assert page.locator("h1").inner_text() == "工作台"
    assert twofactor.has_device(UserFactory._meta.model.objects.get(username="e2e_ap_new"))
    shot("dashboard-after-code")
