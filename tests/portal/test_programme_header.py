"""A header and footer per programme: 医保 pages say 医保, the public pages carry no staff links, citizens
never see the API link."""

import pytest

from portal.models import Role
from tests.medical_pooling.factories import insured

pytestmark = pytest.mark.django_db


def test_insured_never_sees_the_api_link_and_lands_on_the_balance(client, make_user):
    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    user = make_user(Role.INSURED, None, username="ins_api", person=worker.person)
    client.force_login(user)
    resp = client.get("/", follow=True)
    html = resp.content.decode()
    assert resp.redirect_chain[-1][0] == "/pooling/" and "可用余额" in html and "¥5,000.00" in html
    assert "/api/docs/" not in html and "社会救助综合服务平台" not in html and "医保个人账户共济服务" in html
    form = client.get("/pooling/relations/new/").content.decode()
    assert "可用余额" in form and "¥5,000.00" in form and "/api/docs/" not in form


def test_public_verify_page_has_no_staff_links_even_for_staff(client, caseworker):
    for who in (None, caseworker):
        if who:
            client.force_login(who)
        html = client.get("/training/verify/").content.decode()
        assert "/api/docs/" not in html and "/assistance/" not in html and "社会救助综合服务平台" not in html
        assert "职业技能等级证书查验" in html


def test_staff_keep_the_api_link_and_officers_see_the_insurance_header(client, caseworker, make_user):
    client.force_login(caseworker)
    assert "/api/docs/" in client.get("/").content.decode()
    officer = make_user(Role.INSURANCE_OFFICER, None, username="ins_officer_h")
    client.force_login(officer)
    html = client.get("/pooling/insured/").content.decode()
    assert "医保个人账户共济服务" in html and "社会救助综合服务平台" not in html


def test_jargon_has_plain_words_beside_it(client, make_user):
    worker = insured(scheme="employee", region="610100", balance=500000, person_region="610112")
    client.force_login(make_user(Role.INSURED, None, username="ins_jargon", person=worker.person))
    html = client.get("/pooling/").content.decode()
    assert "共济占用" in html and "为亲属保留、本人不能用的钱" in html
