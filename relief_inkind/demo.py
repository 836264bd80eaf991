"""Relief-in-kind demo: a voucher scheme with redemptions and a settled merchant statement; a goods
distribution with signed receipts and reconciled stock; a heating company's confirmed waivers and its
statement. Runs after assistance's demo, through the services. Idempotent."""

import base64
import datetime as dt

from django.core.management import call_command

from assistance import services as assistance
from assistance.models import Scheme
from portal.models import User

from . import services
from .models import DistributionLine, Voucher, WaiverLine

# a small signature as a tablet's canvas sends it (PNG)
_PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082")
    + b"\0" * 64).decode()

DEMO_PASSWORD = "demo12345"


def _user(stdout, username, role, code, name):
    call_command("create_portal_user", "--username", username, "--password", DEMO_PASSWORD, "--role", role,
                 "--institution", code, "--name", name, stdout=stdout)


def _run_batch(scheme, region, cw, ap):
    batch = assistance.batch_create(scheme=scheme, region=region, actor=cw)
    assistance.batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    if batch.recipient_count:
        assistance.batch_approve(batch=batch, actor=ap)
        assistance.batch_pay(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def _vouchers(stdout, cw, ap, ap_sx):
    scheme = assistance.scheme_create(
        name="春节惠民消费券（未央区）", kind=Scheme.Kind.ONE_TIME, region="610112", unit=Scheme.Unit.HOUSEHOLD,
        categories=["dibao", "tekun"], urban_amount=30000, rural_amount=30000, budget=5_000_000,
        deadline=dt.date(2026, 2, 10), payment_form=Scheme.PaymentForm.VOUCHER, campaign_name="寒冬送温暖专项救助行动",
        actor=cw)
    services.voucher_terms_set(scheme=scheme, face_value=5000, valid_days=60, allow_partial=True, actor=cw)
    batch = _run_batch(scheme, "610112", cw, ap)
    shop = services.merchant_register(code="M610112000001", name="未央区惠民超市（凤城店）", region="610112",
                                      address="未央区凤城五路 18 号", phone="029-86000001", actor=cw)
    services.merchant_register(code="M610112000002", name="未央区放心粮油店", region="610112",
                               address="未央区凤城八路 2 号", actor=cw)
    _user(stdout, "merchant", "merchant", shop.code, "惠民超市收银")
    till = User.objects.get(username="merchant")
    vouchers = list(Voucher.objects.filter(batch=batch).order_by("id")[:12])
    for i, v in enumerate(vouchers):
        services.voucher_redeem(code=v.code, amount=v.value if i % 3 else 3500, actor=till)
    if vouchers:
        statement = services.merchant_statement_create(merchant=shop, actor=cw)
        services.statement_settle(statement=statement, reference="GK2026010800123", actor=ap_sx)
        # the last redemptions after the statement wait for the next one
        for v in Voucher.objects.filter(batch=batch, status="active").order_by("id")[:3]:
            services.voucher_redeem(code=v.code, amount=None, actor=till)
    stdout.write(f"  消费券：{batch.recipient_count} 户，{Voucher.objects.filter(batch=batch).count()} 张，"
                 f"已核销 {Voucher.objects.filter(batch=batch, status='redeemed').count()} 张；"
                 f"商户登录 merchant / {DEMO_PASSWORD}")


def _goods(stdout, cw, ap):
    scheme = assistance.scheme_create(
        name="冬季御寒物资发放（雁塔区）", kind=Scheme.Kind.ONE_TIME, region="610113", unit=Scheme.Unit.HOUSEHOLD,
        categories=["dibao", "tekun"], urban_amount=35000, rural_amount=35000, budget=3_000_000,
        deadline=dt.date(2026, 2, 10), payment_form=Scheme.PaymentForm.IN_KIND, campaign_name="寒冬送温暖专项救助行动",
        actor=cw)
    items = {name: services.item_create(name=name, unit=unit, actor=cw)
             for name, unit in [("棉被", "床"), ("棉衣", "件"), ("大米", "公斤"), ("煤", "公斤")]}
    services.package_set(scheme=scheme, lines=[(items["棉被"], 1), (items["大米"], 10), (items["煤"], 200)], actor=cw)
    point = services.point_create(name="雁塔区小寨街道救助物资发放点", region="610113", address="小寨东路 6 号",
                                  actor=cw)
    for name, qty in [("棉被", 40), ("棉衣", 30), ("大米", 400), ("煤", 6000)]:
        services.stock_receive(point=point, item=items[name], quantity=qty, note="区民政局调拨", actor=cw)
    batch = _run_batch(scheme, "610113", cw, ap)
    lines = list(DistributionLine.objects.filter(batch=batch).order_by("id")[:12])
    for i, line in enumerate(lines):
        try:
            services.handover_record(line=line, point=point, tablet_png="data:image/png;base64," + _PNG, actor=cw,
                                     **({"proxy_name": "代领人" + line.name[:1], "proxy_id_number": _proxy_id(i)}
                                        if i % 4 == 3 else {}))
        except Exception as exc:  # short of stock: the rest wait at the point
            stdout.write(f"  实物发放：第 {i + 1} 户未发放（{exc}）")
            break
    stdout.write(f"  实物发放：{batch.recipient_count} 户清单，已签收 "
                 f"{DistributionLine.objects.filter(batch=batch, status='handed_over').count()} 户")


def _proxy_id(i):
    from portal.idnumber import make

    return make(f"61011319800101{500 + i:03d}")


def _heating(stdout, cw, ap, ap_sx):
    from assistance.models import Household

    company = services.company_register(code="RL610104000001", name="西安市热力集团有限责任公司", region="610100",
                                        contact="王供热", phone="029-87000000", actor=cw)
    _user(stdout, "heating", "heating_company", company.code, "西安热力结算员")
    households = list(Household.objects.filter(region_id="610102").order_by("pk")[:25])
    for hh in households:
        services.heating_account_set(household=hh, company=company, customer_number=f"XARL{hh.pk:08d}", actor=cw)
    scheme = assistance.scheme_create(
        name="取暖费减免（新城区）", kind=Scheme.Kind.HEATING, region="610102", unit=Scheme.Unit.HOUSEHOLD,
        categories=["dibao", "tekun"], urban_amount=60000, rural_amount=60000, budget=5_000_000,
        deadline=dt.date(2026, 2, 10), payment_form=Scheme.PaymentForm.FEE_WAIVER, campaign_name="寒冬送温暖专项救助行动",
        actor=cw)
    batch = _run_batch(scheme, "610102", cw, ap)
    waiting = list(WaiverLine.objects.filter(batch=batch).order_by("id"))
    services.waiver_export(company=company, actor=cw)
    company_user = User.objects.get(username="heating")
    confirmed = waiting[: max(len(waiting) - 3, 0)]
    if confirmed:
        services.waiver_confirm(company=company, actor=company_user, rows=[
            {"line": w.pk, "customer_number": w.customer_number, "amount": w.amount, "bill_number": f"ZD2026{w.pk:06d}"}
            for w in confirmed])
        statement = services.heating_statement_create(company=company, actor=cw)
        services.statement_settle(statement=statement, reference="GK2026011500456", actor=ap_sx)
    stdout.write(f"  取暖费减免：{len(waiting)} 户清单，供热单位已确认 {len(confirmed)} 户并结算；"
                 f"供热单位登录 heating / {DEMO_PASSWORD}")


def seed(stdout):
    if Voucher.objects.exists():
        stdout.write("relief_inkind: 演示数据已存在，跳过。")
        return
    cw = User.objects.get(username="caseworker")
    ap = User.objects.get(username="approver")
    ap_sx = User.objects.get(username="approver_sx")
    _vouchers(stdout, cw, ap, ap_sx)
    _goods(stdout, cw, ap)
    _heating(stdout, cw, ap, ap_sx)
