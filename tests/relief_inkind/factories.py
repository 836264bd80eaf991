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
