import pytest

from portal.models import Role
from tests.e2e.conftest import login


@pytest.mark.django_db(transaction=True)
def test_caseworker_logs_in_and_sees_the_chinese_dashboard(make_page, make_user):
    make_user(Role.CASEWORKER, "610100", username="e2e_cw", first_name="李民政")
    page, shot = make_page()
    page.goto("/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    shot("login")
    login(page, "e2e_cw")
    assert page.locator("h1").inner_text() == "工作台"
    assert "陕西省西安市" in page.content()
    shot("dashboard")
