"""Vouchers: a voucher scheme's batch issues vouchers instead of paying the bank; merchants redeem a code
once; statements settle redemptions; unredeemed value returns to the budget at expiry."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistance import services as assistance
from assistance.models import Batch, Payment, PaymentAttempt, Scheme
from portal.models import AuditEvent, Role
from relief_inkind import services
from relief_inkind.models import Redemption, Statement, Voucher, VoucherSweep
from relief_inkind.selectors import voucher_totals

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver2(make_user):
    return make_user(Role.APPROVER, "610100", username="ap2_xian")


def test_a_voucher_batch_issues_vouchers_and_never_goes_to_the_bank(caseworker, approver, settings):
    settings.ASSISTANCE_PAYMENT_CHANNEL = "bank_file"  # a bank batch would be handed to the bank
    sch = f.voucher_scheme(caseworker, urban=35000, face=10000)
    batch = f.paid_batch(caseworker, approver, sch, households=3)
    assert batch.channel == "voucher"
    assert batch.status == Batch.Status.PAID and batch.paid_count == 3
    assert not PaymentAttempt.objects.filter(payment__batch=batch, channel="bank_file").exists()
    # 350.00 each as 100 + 100 + 100 + 50
    per_payment = sorted(Voucher.objects.filter(batch=batch, payment_id=batch.payments.first().pk)
                         .values_list("value", flat=True))
    assert per_payment == [5000, 10000, 10000, 10000]
    assert Voucher.objects.filter(batch=batch).count() == 12
    codes = list(Voucher.objects.values_list("code", flat=True))
    assert len(set(codes)) == 12 and all(len(c) == 19 for c in codes)
    sch.refresh_from_db()
    assert sch.paid == 3 * 35000 == voucher_totals(Voucher.objects.filter(scheme=sch))["value"]
    # paying again issues nothing twice
    assistance.batch_pay(batch_id=batch.pk)
    assert Voucher.objects.filter(batch=batch).count() == 12


def test_a_scheme_whose_form_no_app_carries_is_refused(caseworker, monkeypatch):
    from assistance import channels

    sch = f.voucher_scheme(caseworker)
    monkeypatch.delitem(channels.CHANNELS, "voucher")
    with pytest.raises(ValidationError) as exc:
        assistance.batch_create(scheme=sch, region="610100", actor=caseworker)
    assert "尚未开通" in str(exc.value)
    assert not Batch.objects.filter(scheme=sch).exists()


def test_merchant_redeems_once_in_full(caseworker, approver):
    sch = f.voucher_scheme(caseworker, urban=10000, face=0)
    f.paid_batch(caseworker, approver, sch, households=1)
    shop = f.merchant(caseworker)
    till = f.merchant_user(shop)
    voucher = Voucher.objects.get(scheme=sch)
    # typed in lower case without dashes: still the code
    r = services.voucher_redeem(code=voucher.code.replace("-", "").lower(), amount=None, actor=till)
    assert r.amount == 10000 and r.merchant == shop
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REDEEMED and voucher.redeemed == 10000
    with pytest.raises(ValidationError) as exc:
        services.voucher_redeem(code=voucher.code, amount=None, actor=till)
    assert "已核销" in str(exc.value)
    assert Redemption.objects.count() == 1
    assert AuditEvent.objects.filter(action="relief_inkind.voucher_redeem").count() == 1


def test_partial_redemption_only_where_the_scheme_allows(caseworker, approver):
    whole = f.voucher_scheme(caseworker, urban=10000, face=0, partial=False)
    part = f.voucher_scheme(caseworker, urban=10000, face=0, partial=True)
    f.paid_batch(caseworker, approver, whole, households=1)
    f.paid_batch(caseworker, approver, part, households=0)  # the same household, in the other scheme
    till = f.merchant_user(f.merchant(caseworker))
    v_whole, v_part = Voucher.objects.get(scheme=whole), Voucher.objects.get(scheme=part)
    with pytest.raises(ValidationError) as exc:
        services.voucher_redeem(code=v_whole.code, amount=6000, actor=till)
    assert "全额核销" in str(exc.value)
    with pytest.raises(ValidationError):
        services.voucher_redeem(code=v_part.code, amount=10001, actor=till)
    services.voucher_redeem(code=v_part.code, amount=6000, actor=till)
    v_part.refresh_from_db()
    assert (v_part.redeemed, v_part.status) == (6000, Voucher.Status.REDEEMED)
    # the rest is not redeemable again: a code is used once
    with pytest.raises(ValidationError):
        services.voucher_redeem(code=v_part.code, amount=4000, actor=till)
    assert Redemption.objects.filter(voucher=v_whole).count() == 0


def test_refusals_do_not_tell_a_till_whether_a_code_exists(caseworker, approver, make_user):
    sch = f.voucher_scheme(caseworker, urban=10000, face=0)
    f.paid_batch(caseworker, approver, sch, households=1)
    voucher = Voucher.objects.get(scheme=sch)
    far_shop = f.merchant(make_user(Role.CASEWORKER, "120000"), region="120101")  # Tianjin, outside the scheme
    far_till = f.merchant_user(far_shop)
    messages = []
    for code in ("AAAA-AAAA-AAAA-AAAA", "not a code", voucher.code):
        with pytest.raises(ValidationError) as exc:
            services.voucher_redeem(code=code, amount=None, actor=far_till)
        messages.append(exc.value.message_dict["code"])
    assert messages[0] == messages[1] == messages[2] == ["券码无效，或不能在本店使用。"]
    # a caseworker is not a till; a suspended shop no longer redeems
    with pytest.raises(PermissionDenied):
        services.voucher_redeem(code=voucher.code, amount=None, actor=caseworker)
    shop = f.merchant(caseworker)
    services.merchant_set_active(merchant=shop, active=False, actor=caseworker)
    with pytest.raises(PermissionDenied):
        services.voucher_redeem(code=voucher.code, amount=None, actor=f.merchant_user(shop))
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ACTIVE and not Redemption.objects.exists()


def test_an_expired_voucher_is_refused_and_its_value_returns_to_the_budget(caseworker, approver):
    sch = f.voucher_scheme(caseworker, urban=10000, face=0, partial=True, days=10)
    f.paid_batch(caseworker, approver, sch, households=3)
    till = f.merchant_user(f.merchant(caseworker))
    v1, v2, v3 = Voucher.objects.filter(scheme=sch).order_by("id")
    services.voucher_redeem(code=v1.code, amount=None, actor=till)  # all 100.00
    services.voucher_redeem(code=v2.code, amount=2500, actor=till)  # 25.00 of 100.00
    sch.refresh_from_db()
    assert sch.paid == 30000
    # not yet expired: nothing moves
    assert services.vouchers_expire(today=timezone.localdate()) == []
    later = v3.expires_on + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        Voucher.objects.filter(pk=v3.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
        services.voucher_redeem(code=v3.code, amount=None, actor=till)
    Voucher.objects.filter(pk=v3.pk).update(expires_on=v1.expires_on)
    sweeps = services.vouchers_expire(today=later)
    assert [s.amount for s in sweeps] == [7500 + 10000]
    sch.refresh_from_db()
    assert sch.paid == 30000 - 17500 == 12500  # what merchants took
    assert sch.available == sch.budget - 12500
    v3.refresh_from_db()
    assert v3.status == Voucher.Status.EXPIRED and v3.returned == 10000
    totals = voucher_totals(Voucher.objects.filter(scheme=sch))
    assert totals["value"] == totals["redeemed"] + totals["returned"] and totals["outstanding"] == 0
    # the job again: nothing twice
    assert services.vouchers_expire(today=later) == []
    assert VoucherSweep.objects.count() == 1
    assert AuditEvent.objects.filter(action="assistance.scheme_return_unspent").count() == 1


def test_statement_claims_each_redemption_once_and_is_settled_by_another_approver(caseworker, approver, approver2):
    sch = f.voucher_scheme(caseworker, urban=10000, face=5000)
    f.paid_batch(caseworker, approver, sch, households=2)
    shop = f.merchant(caseworker)
    till = f.merchant_user(shop)
    for v in Voucher.objects.filter(scheme=sch)[:3]:
        services.voucher_redeem(code=v.code, amount=None, actor=till)
    st = services.merchant_statement_create(merchant=shop, actor=approver)
    assert (st.count, st.amount) == (3, 15000)
    with pytest.raises(ValidationError):
        services.merchant_statement_create(merchant=shop, actor=caseworker)  # nothing left to claim
    assert Statement.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.statement_settle(statement=st, reference="PZ001", actor=approver)  # its maker
    with pytest.raises(PermissionDenied):
        services.statement_settle(statement=st, reference="PZ001", actor=caseworker)
    with pytest.raises(ValidationError):
        services.statement_settle(statement=st, reference="  ", actor=approver2)
    st.refresh_from_db()
    assert st.status == Statement.Status.DRAFT
    services.statement_settle(statement=st, reference="PZ001", actor=approver2)
    st.refresh_from_db()
    assert st.status == Statement.Status.SETTLED and st.settled_by == approver2
    assert AuditEvent.objects.filter(action="relief_inkind.statement_settle").count() == 1


def test_terms_refused_for_a_bank_scheme_and_fixed_once_issued(caseworker, approver):
    bank = f.voucher_scheme(caseworker, form="bank")
    with pytest.raises(ValidationError) as exc:
        services.voucher_terms_set(scheme=bank, face_value=100, actor=caseworker)
    assert "消费券" in str(exc.value)
    sch = f.voucher_scheme(caseworker)
    with pytest.raises(ValidationError):
        services.voucher_terms_set(scheme=sch, face_value=-1, actor=caseworker)
    f.paid_batch(caseworker, approver, sch, households=1)
    with pytest.raises(ValidationError):
        services.voucher_terms_set(scheme=sch, face_value=100, actor=caseworker)
    assert Scheme.objects.get(pk=sch.pk).voucher_terms.face_value == 10000
    assert Payment.objects.filter(scheme=sch, status="paid").count() == 1
