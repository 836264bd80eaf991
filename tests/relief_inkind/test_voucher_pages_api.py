"""Vouchers through the API and the pages: permissions allowed and denied, Chinese refusals, nothing
half-saved, Idempotency-Key on redemption."""

import pytest

from portal.models import AuditEvent, Role
from relief_inkind.models import Merchant, Redemption, Statement, Voucher

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(caseworker, approver):
    sch = f.voucher_scheme(caseworker, urban=10000, face=5000, partial=True)
    batch = f.paid_batch(caseworker, approver, sch, households=1)
    return sch, batch


def test_merchant_registration_api_allowed_denied_and_refused_in_chinese(api, caseworker, outsider, make_user):
    body = {"code": "M610112000777", "name": "惠民超市", "region": "610112"}
    assert api().post("/api/v1/inkind/merchants/", body, format="json").status_code == 401
    assert api(make_user(Role.INSURANCE_OFFICER, None)).post("/api/v1/inkind/merchants/", body,
                                                              format="json").status_code == 403
    assert api(outsider).post("/api/v1/inkind/merchants/", body, format="json").status_code == 403
    bad = api(caseworker).post("/api/v1/inkind/merchants/", {**body, "code": "x"}, format="json")
    assert bad.status_code == 400 and "商户编码" in bad.json()["code"][0]
    assert not Merchant.objects.exists()
    ok = api(caseworker).post("/api/v1/inkind/merchants/", body, format="json")
    assert ok.status_code == 201 and ok.json()["code"] == "M610112000777"
    assert api(caseworker).get("/api/v1/inkind/merchants/?search=惠民").json()["count"] == 1
    assert api(outsider).get("/api/v1/inkind/merchants/").json()["count"] == 0


def test_redeem_api_once_with_idempotency_and_scoped_lists(api, caseworker, issued):
    sch, batch = issued
    shop, other = f.merchant(caseworker), f.merchant(caseworker)
    till, other_till = f.merchant_user(shop), f.merchant_user(other)
    v = Voucher.objects.filter(scheme=sch).order_by("id").first()
    url = "/api/v1/inkind/redemptions/"
    assert api(caseworker).post(url, {"code": v.code}, format="json").status_code == 403
    bad = api(till).post(url, {"code": v.code, "amount": 12.5}, format="json")
    assert bad.status_code == 400 and "金额" in bad.json()["amount"][0]
    first = api(till).post(url, {"code": v.code, "amount": "20.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and first.json()["amount"] == "20.00"
    again = api(till).post(url, {"code": v.code, "amount": "20.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again.json() == first.json()
    twice = api(till).post(url, {"code": v.code, "amount": "20.00"}, format="json")
    assert twice.status_code == 400 and "已核销" in twice.json()["code"][0]
    assert Redemption.objects.count() == 1
    assert api(till).get(url).json()["count"] == 1
    assert api(other_till).get(url).json()["count"] == 0
    assert api(caseworker).get(url).json()["count"] == 1
    vouchers = api(caseworker).get(f"/api/v1/inkind/vouchers/?batch={batch.pk}").json()
    assert vouchers["count"] == 2 and vouchers["results"][0]["code"].startswith("****")
    assert api(till).get("/api/v1/inkind/vouchers/").status_code == 403


def test_statement_api_and_settle_by_another_approver(api, caseworker, approver, make_user, issued):
    sch, _batch = issued
    shop = f.merchant(caseworker)
    till = f.merchant_user(shop)
    for v in Voucher.objects.filter(scheme=sch):
        api(till).post("/api/v1/inkind/redemptions/", {"code": v.code}, format="json")
    assert api(till).post("/api/v1/inkind/statements/", {"merchant": shop.pk}, format="json").status_code == 403
    made = api(approver).post("/api/v1/inkind/statements/", {"merchant": shop.pk}, format="json")
    assert made.status_code == 201 and made.json()["amount"] == "100.00" and made.json()["count"] == 2
    sid = made.json()["id"]
    assert api(approver).post(f"/api/v1/inkind/statements/{sid}/settle/", {"reference": "PZ9"},
                              format="json").status_code == 403
    other = make_user(Role.APPROVER, "610100", username="ap_other")
    empty = api(other).post(f"/api/v1/inkind/statements/{sid}/settle/", {"reference": ""}, format="json")
    assert empty.status_code == 400 and "凭证号" in str(empty.json())
    ok = api(other).post(f"/api/v1/inkind/statements/{sid}/settle/", {"reference": "PZ9"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "settled"
    assert api(till).get(f"/api/v1/inkind/statements/{sid}/").json()["counterparty"] == shop.code


def test_terms_api_refuses_bad_input_without_saving(api, caseworker):
    sch = f.voucher_scheme(caseworker, form="voucher")
    url = f"/api/v1/inkind/schemes/{sch.pk}/voucher-terms/"
    bad = api(caseworker).put(url, {"face_value": "50.00", "valid_days": 0}, format="json")
    assert bad.status_code == 400 and "有效天数" in bad.json()["valid_days"][0]
    sch.voucher_terms.refresh_from_db()
    assert sch.voucher_terms.face_value == 10000
    ok = api(caseworker).put(url, {"face_value": "50.00", "valid_days": 60, "allow_partial": True}, format="json")
    assert ok.status_code == 200 and ok.json()["face_value"] == "50.00"


def test_pages_for_staff_and_merchants(client, caseworker, approver, make_user, issued):
    sch, batch = issued
    client.force_login(caseworker)
    listing = client.get("/inkind/vouchers/")
    assert listing.status_code == 200 and Voucher.objects.filter(scheme=sch).first().masked_code in listing.content.decode()
    assert client.get("/inkind/redeem/").status_code == 403
    resp = client.post("/inkind/merchants/new/", {"code": "bad", "name": "惠民超市", "region": "610112"})
    assert resp.status_code == 200 and "商户编码应为6至20位" in resp.content.decode()
    assert not Merchant.objects.exists()
    resp = client.post("/inkind/merchants/new/", {"code": "M610112000888", "name": "惠民超市", "region": "610112"})
    assert resp.status_code == 302
    payment_id = Voucher.objects.filter(scheme=sch).first().payment_id
    page = client.get(f"/inkind/vouchers/print/{payment_id}/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    assert AuditEvent.objects.filter(action="relief_inkind.vouchers_print").count() == 1
    shop = Merchant.objects.get()
    till = f.merchant_user(shop)
    client.force_login(till)
    assert client.get("/inkind/vouchers/").status_code == 403
    code = Voucher.objects.filter(scheme=sch).first().code
    bad = client.post("/inkind/redeem/", {"code": code, "amount": "abc"})
    assert "请输入有效的金额" in bad.content.decode()
    assert client.post("/inkind/redeem/", {"code": code, "amount": ""}).status_code == 302
    assert "待结算的消费券核销" in client.get("/").content.decode()
    assert Redemption.objects.count() == 1
    client.force_login(approver)
    resp = client.post("/inkind/statements/new/", {"merchant": shop.pk})
    assert resp.status_code == 302
    st = Statement.objects.get()
    other = make_user(Role.APPROVER, "610100", username="ap_pages")
    client.force_login(other)
    assert client.post(f"/inkind/statements/{st.pk}/", {"reference": "PZ1"}).status_code == 302
    st.refresh_from_db()
    assert st.status == "settled"
    client.force_login(till)
    assert client.get(f"/inkind/statements/{st.pk}/").status_code == 200


def test_create_portal_user_links_a_merchant_or_company_by_its_registered_code(caseworker, approver):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from portal.models import User

    with pytest.raises(CommandError):
        call_command("create_portal_user", "--username", "till1", "--password", "x-pass-123", "--role", "merchant")
    with pytest.raises(CommandError, match="未登记的商户编码"):
        call_command("create_portal_user", "--username", "till1", "--password", "x-pass-123", "--role", "merchant",
                     "--institution", "M999999999")
    with pytest.raises(CommandError, match="未登记的供热单位编码"):
        call_command("create_portal_user", "--username", "heat1", "--password", "x-pass-123", "--role",
                     "heating_company", "--institution", "RL999999999")
    assert not User.objects.filter(username__in=["till1", "heat1"]).exists()
    shop = f.merchant(caseworker)
    call_command("create_portal_user", "--username", "till1", "--password", "x-pass-123", "--role", "merchant",
                 "--institution", shop.code.lower())
    till = User.objects.get(username="till1")
    sch = f.voucher_scheme(caseworker, urban=10000, face=0)
    f.paid_batch(caseworker, approver, sch, households=1)
    from relief_inkind import services

    r = services.voucher_redeem(code=Voucher.objects.get(scheme=sch).code, amount=None, actor=till)
    assert r.merchant == shop
