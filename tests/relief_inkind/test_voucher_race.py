"""Races on real PostgreSQL: many tills scan one voucher code at the same instant; it is redeemed once.
(The same harness as tests/fault/test_races.py: threads released by one barrier, each its own connection.)"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from portal.models import AuditEvent, Role
from portal.services import verify_audit_chain
from relief_inkind import services
from relief_inkind.models import Redemption, Voucher
from tests.factories import UserFactory
from tests.fault.test_races import run_at_once

from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")


def test_one_code_scanned_by_eight_tills_at_once_is_redeemed_once():
    maker = UserFactory(username="race_v_cw", role=Role.CASEWORKER, region_id="610100")
    approver = UserFactory(username="race_v_ap", role=Role.APPROVER, region_id="610100")
    sch = f.voucher_scheme(maker, urban=10000, face=0, partial=True)
    f.paid_batch(maker, approver, sch, households=1)
    voucher = Voucher.objects.get(scheme=sch)
    shops = [f.merchant(maker) for _ in range(4)]
    tills = [f.merchant_user(shops[i % 4], username=f"race_till{i}") for i in range(8)]

    results, errors = run_at_once([
        lambda t=t, i=i: services.voucher_redeem(code=voucher.code, amount=10000 - i * 100, actor=t)
        for i, t in enumerate(tills)])

    winners = [r for r in results if r is not None]
    assert len(winners) == 1, errors
    assert all(isinstance(e, ValidationError) for e in errors if e is not None), errors
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REDEEMED and voucher.redeemed == winners[0].amount
    assert AuditEvent.objects.filter(action="relief_inkind.voucher_redeem").count() == 1
    assert verify_audit_chain() == []


def test_redemption_racing_the_expiry_sweep_counts_the_money_once():
    """A till redeeming part of a voucher while the expiry job sweeps: whichever goes first, the voucher's
    value is redeemed + returned, never both in full."""
    maker = UserFactory(username="race_v_cw2", role=Role.CASEWORKER, region_id="610100")
    approver = UserFactory(username="race_v_ap2", role=Role.APPROVER, region_id="610100")
    sch = f.voucher_scheme(maker, urban=10000, face=0, partial=True)
    f.paid_batch(maker, approver, sch, households=1)
    voucher = Voucher.objects.get(scheme=sch)
    till = f.merchant_user(f.merchant(maker), username="race_till_x")
    day = voucher.expires_on  # the voucher is valid through this day; the sweep of the next day takes it

    import datetime as dt

    results, errors = run_at_once([
        lambda: services.voucher_redeem(code=voucher.code, amount=4000, actor=till),
        lambda: services.vouchers_expire(today=day + dt.timedelta(days=1)),
    ])
    voucher.refresh_from_db()
    assert voucher.redeemed + voucher.returned == voucher.value
    sch.refresh_from_db()
    assert sch.paid == voucher.redeemed
