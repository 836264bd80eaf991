"""Every public write service of relief in kind refuses a wrong role and a wrong region (Tianjin, outside
Xi'an) with PermissionDenied, before it changes anything (no audit row). See tests/write_gate.py."""

import pytest

from portal.models import Role
from relief_inkind import services
from relief_inkind.models import Voucher
from tests.factories import UserFactory
from tests.write_gate import Case, check_walk, run_case

from . import factories as f

pytestmark = pytest.mark.django_db

CW, AP = Role.CASEWORKER, Role.APPROVER


def _colleague(role=CW):
    return UserFactory(role=role, region_id="610100")


def _statement(right):
    maker = _colleague()
    sch = f.voucher_scheme(maker, urban=10000, face=0)
    f.paid_batch(maker, _colleague(AP), sch, households=1)
    shop = f.merchant(maker)
    services.voucher_redeem(code=Voucher.objects.get(scheme=sch).code, amount=None, actor=f.merchant_user(shop))
    return services.merchant_statement_create(merchant=shop, actor=maker)


def _fresh_redemption(right):
    """A merchant with an unsettled redemption (the statement's world)."""
    maker = _colleague()
    sch = f.voucher_scheme(maker, urban=10000, face=0)
    f.paid_batch(maker, _colleague(AP), sch, households=1)
    shop = f.merchant(maker)
    services.voucher_redeem(code=Voucher.objects.get(scheme=sch).code, amount=None, actor=f.merchant_user(shop))
    return shop


def _live_code(right):
    """An unused voucher code, and `right` made a till of a registered shop."""
    maker = _colleague()
    sch = f.voucher_scheme(maker, urban=10000, face=0)
    f.paid_batch(maker, _colleague(AP), sch, households=1)
    shop = f.merchant(maker)
    right.institution_code = shop.code
    right.region_id = None
    right.save()
    return Voucher.objects.filter(scheme=sch, status="active").first().code


def _pending_line(right):
    from relief_inkind.models import DistributionLine

    maker = _colleague()
    sch = f.goods_scheme(maker, package=(("棉被", "床", 1),))
    f.paid_batch(maker, _colleague(AP), sch, households=1)
    return DistributionLine.objects.filter(scheme=sch).first(), f.stocked_point(maker, stock=(("棉被", 2),))


def _item(name="棉衣"):
    from relief_inkind.models import Item

    return Item.objects.filter(name=name).first() or services.item_create(name=name, unit="件", actor=_colleague())


def _waiting(right):
    from relief_inkind.models import WaiverLine

    company, _sch, batch = f.heating_setup(_colleague(), _colleague(AP), households=1)
    w = WaiverLine.objects.get(batch=batch)
    return company, [{"line": w.pk, "customer_number": w.customer_number, "amount": w.amount}]


def _confirmed(right):
    company, rows = _waiting(right)
    services.waiver_confirm(company=company, rows=rows, actor=_colleague())
    return company


def _household(right):
    from assistance.models import Household

    maker = _colleague()
    f.af.household(maker, region="610112")
    return Household.objects.order_by("-pk").first(), services.company_register(
        code=f"RLGATE{Household.objects.count():06d}", name="热力", region="610100", actor=maker)


CASES = {
    "item_create": Case(call=lambda a, w: services.item_create(name="煤", unit="公斤", actor=a),
                        world=lambda right: None, right_role=CW, wrong_role=Role.MERCHANT, wrong_region=None),
    "point_create": Case(call=lambda a, w: services.point_create(name="发放点", region="610112", actor=a),
                         world=lambda right: None, right_role=CW, wrong_role=Role.MERCHANT),
    "stock_receive": Case(call=lambda a, w: services.stock_receive(point=w[0], item=w[1], quantity=3, actor=a),
                          world=lambda right: (services.point_create(name="点", region="610112", actor=_colleague()),
                                               _item()), right_role=CW, wrong_role=Role.INSURANCE_OFFICER),
    "package_set": Case(call=lambda a, w: services.package_set(scheme=w[0], lines=[(w[1], 1)], actor=a),
                        world=lambda right: (f.voucher_scheme(_colleague(), form="in_kind"), _item()), right_role=CW,
                        wrong_role=Role.MERCHANT),
    "handover_record": Case(
        call=lambda a, w: services.handover_record(line=w[0], point=w[1], tablet_png=f.TABLET_PNG, actor=a),
        world=_pending_line, right_role=CW, wrong_role=Role.MERCHANT),
    "company_register": Case(
        call=lambda a, w: services.company_register(code="RL610100999", name="热力", region="610100", actor=a),
        world=lambda right: None, right_role=CW, wrong_role=Role.HEATING_COMPANY),
    "heating_account_set": Case(
        call=lambda a, w: services.heating_account_set(household=w[0], company=w[1], customer_number="GR1", actor=a),
        world=_household, right_role=CW, wrong_role=Role.HEATING_COMPANY),
    "waiver_export": Case(call=lambda a, w: services.waiver_export(company=w[0], actor=a), world=_waiting,
                          right_role=CW, wrong_role=Role.HEATING_COMPANY),
    "waiver_confirm": Case(call=lambda a, w: services.waiver_confirm(company=w[0], rows=w[1], actor=a),
                           world=_waiting, right_role=CW, wrong_role=Role.MERCHANT),
    "waiver_import": Case(
        call=lambda a, w: services.waiver_import(
            company=w[0], filename="r.csv", actor=a,
            data=("明细编号,供热用户号,减免金额（元）,减免后账单号\n"
                  f"{w[1][0]['line']},{w[1][0]['customer_number']},600.00,B1\n").encode()),
        world=_waiting, right_role=CW, wrong_role=Role.MERCHANT),
    "heating_statement_create": Case(call=lambda a, w: services.heating_statement_create(company=w, actor=a),
                                     world=_confirmed, right_role=AP, wrong_role=Role.HEATING_COMPANY),
    "merchant_register": Case(
        call=lambda a, w: services.merchant_register(code="M610112999999", name="便民店", region="610112", actor=a),
        world=lambda right: None, right_role=CW, wrong_role=Role.MERCHANT),
    "merchant_set_active": Case(
        call=lambda a, w: services.merchant_set_active(merchant=w, active=False, actor=a),
        world=lambda right: f.merchant(right), right_role=CW, wrong_role=Role.MERCHANT),
    "voucher_terms_set": Case(
        call=lambda a, w: services.voucher_terms_set(scheme=w, face_value=5000, actor=a),
        world=lambda right: f.voucher_scheme(right), right_role=CW, wrong_role=Role.INSURANCE_OFFICER),
    "merchant_statement_create": Case(
        call=lambda a, w: services.merchant_statement_create(merchant=w, actor=a),
        world=_fresh_redemption, right_role=AP,
        wrong_role=Role.MERCHANT),
    "statement_settle": Case(
        call=lambda a, w: services.statement_settle(statement=w, reference="PZ-1", actor=a),
        world=_statement, right_role=AP, wrong_role=CW),
    # a merchant has no region: the wrong "region" is a till whose user is not a merchant's
    "voucher_redeem": Case(
        call=lambda a, w: services.voucher_redeem(code=w, amount=None, actor=a),
        world=lambda right: _live_code(right), right_role=Role.MERCHANT, wrong_role=CW, wrong_region=None),
}

EXEMPT = {
    "vouchers_issue": "the voucher channel's step inside the payout task (assistance.pay_batch): takes a batch, "
                      "no actor; the batch's approval passed batch_approve's gate",
    "vouchers_expire": "the beat job relief_inkind.expire_vouchers: system work, no actor",
    "distribution_list_add": "the in-kind channel's step inside the payout task: takes a batch, no actor",
    "waiver_list_add": "the fee-waiver channel's step inside the payout task: takes a batch, no actor",
}


def test_every_public_service_has_a_case_or_a_stated_exemption():
    check_walk(services, CASES, EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_role_and_wrong_region_are_refused_before_any_write(name):
    run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_user_passes_the_gate(name):
    case = CASES[name]
    right = UserFactory(role=case.right_role, region_id=case.right_region)
    case.call(right, case.world(right))
