"""Test data for relief in kind, made through the services (the same path as the forms and the API)."""

import datetime as dt
import itertools

from assistance import services as assistance
from assistance.models import Batch
from relief_inkind import services
from tests.assistance import factories as af
from tests.factories import UserFactory

_seq = itertools.count(1)


def voucher_scheme(actor, *, urban=30000, rural=20000, unit="household", face=10000, days=30, partial=False,
                   budget=10**9, form="voucher"):
    sch = assistance.scheme_create(name=f"消费券项目{next(_seq)}", kind="one_time", region="610100", unit=unit,
                                   categories=["dibao"], urban_amount=urban, rural_amount=rural, budget=budget,
                                   deadline=dt.date(2026, 2, 10), payment_form=form, actor=actor)
    if form == "voucher":
        services.voucher_terms_set(scheme=sch, face_value=face, valid_days=days, allow_partial=partial, actor=actor)
    return sch


def paid_batch(maker, approver, sch, *, households=2, region="610112") -> Batch:
    """`households` enrolled households, a batch of `sch` built, approved and paid through its channel."""
    for _ in range(households):
        af.household(maker, region=region)
    batch = assistance.batch_create(scheme=sch, region="610100", actor=maker)
    assistance.batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    assistance.batch_approve(batch=batch, actor=approver)
    assistance.batch_pay(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def merchant(actor, *, code=None, region="610112"):
    return services.merchant_register(code=code or f"M61011200{next(_seq):04d}", name=f"惠民超市{next(_seq)}",
                                      region=region, actor=actor)


def merchant_user(m, **kw):
    return UserFactory(role="merchant", region_id=None, institution_code=m.code, **kw)


# a 1x1 PNG, as a tablet's canvas sends it (data URL)
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082") + b"\0" * 64
TABLET_PNG = "data:image/png;base64," + __import__("base64").b64encode(PNG_BYTES).decode()


def goods_scheme(actor, *, package=(("棉被", "床", 1), ("大米", "公斤", 10))):
    from relief_inkind.models import Item

    sch = voucher_scheme(actor, urban=20000, rural=20000, form="in_kind")
    lines = []
    for name, unit, qty in package:
        item = Item.objects.filter(name=name).first() or services.item_create(name=name, unit=unit, actor=actor)
        lines.append((item, qty))
    services.package_set(scheme=sch, lines=lines, actor=actor)
    return sch


def stocked_point(actor, *, region="610112", stock=(("棉被", 5), ("大米", 100))):
    from relief_inkind.models import Item

    point = services.point_create(name=f"发放点{next(_seq)}", region=region, actor=actor)
    for name, qty in stock:
        services.stock_receive(point=point, item=Item.objects.get(name=name), quantity=qty, actor=actor)
    return point


def heating_setup(maker, approver, *, households=3, with_accounts=None, amount=60000):
    """A heating company, `households` households (the first `with_accounts` with customer numbers), and a
    paid-through batch of a fee-waiver scheme."""
    from assistance.models import Household

    company = services.company_register(code=f"RL6101{next(_seq):06d}", name=f"热力公司{next(_seq)}",
                                        region="610100", actor=maker)
    before = set(Household.objects.values_list("pk", flat=True))
    for _ in range(households):
        af.household(maker, region="610112")
    made = list(Household.objects.exclude(pk__in=before).order_by("pk"))
    for i, hh in enumerate(made[:households if with_accounts is None else with_accounts]):
        services.heating_account_set(household=hh, company=company, customer_number=f"GR{hh.pk:08d}{i}",
                                     actor=maker)
    sch = voucher_scheme(maker, urban=amount, rural=amount, form="fee_waiver")
    batch = paid_batch(maker, approver, sch, households=0)
    return company, sch, batch
