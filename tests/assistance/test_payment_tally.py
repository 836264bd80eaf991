"""The payment tally (kept by database triggers) equals the payments at every step of a batch's life, and
the progress, breakdown and list pages read it."""

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from assistance import selectors, services
from assistance.models import Batch, Payment, PaymentTally
from portal.models import Role, code_range

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the tally is kept by PostgreSQL triggers; other databases group the payments")


KEY = ("batch_id", "region_id", "category", "status")


def _tally():
    return {tuple(getattr(t, k) for k in KEY): (t.payments, t.amount)
            for t in PaymentTally.objects.exclude(payments=0)}


def _grouped():
    return {tuple(r[k] for k in KEY): (r["n"], r["s"])
            for r in Payment.objects.values(*KEY).annotate(n=Count("id"), s=Sum("amount")).order_by()}


def test_tally_follows_a_batch_from_build_to_payout_reissue_and_cancel(caseworker, approver, settings):
    settings.ASSISTANCE_PAY_CHUNK = 2
    homes = [f.household(caseworker, members=2, region=r) for r in ("610112", "610112", "610113")]
    failing = homes[0].members.order_by("id")[1].person.id_last4
    settings.ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = failing[-4:]
    sch = f.scheme(caseworker)
    batch = f.built_batch(caseworker, sch)
    assert _tally() == _grouped() and sum(n for n, _ in _tally().values()) == 6

    services.batch_approve(batch=batch, actor=approver)
    services.batch_pay(batch_id=batch.pk)  # chunk by chunk: pending → paid / failed
    assert _tally() == _grouped()
    assert {k[3] for k in _tally()} == {"paid", "failed"}

    settings.ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = ""
    failed = Payment.objects.get(batch=batch, status="failed")
    services.payment_reissue(payment=failed, actor=approver)  # failed → pending (→ paid by its task)
    services.batch_pay(batch_id=batch.pk)
    assert _tally() == _grouped()
    assert {k[3] for k in _tally()} == {"paid"}

    other = f.built_batch(caseworker, f.scheme(caseworker))
    services.batch_cancel(batch=other, actor=caseworker, reason="测试")  # a set-based UPDATE to cancelled
    assert _tally() == _grouped()
    Payment.objects.filter(batch=other, region_id="610113").update(amount=12345)  # amounts move too
    assert _tally() == _grouped()
    Payment.objects.filter(batch=other).delete()
    assert _tally() == _grouped()


def test_totals_and_counts_match_the_payments(caseworker, make_user, client, api):
    for region in ("610112", "610112", "610113"):
        f.household(caseworker, members=2, region=region)
    sch = f.scheme(caseworker)
    batch = f.built_batch(caseworker, sch)
    Payment.objects.filter(pk=Payment.objects.filter(batch=batch).order_by("id").values("id")[:1]).update(
        status="cancelled")
    by_district = {r["region_id"]: (r["count"], r["amount"], r["paid"]) for r in selectors.batch_totals_by_district(batch)}
    expected = {r["region_id"]: (r["n"], r["s"], 0) for r in Payment.objects.filter(batch=batch)
                .exclude(status="cancelled").values("region_id").annotate(n=Count("id"), s=Sum("amount")).order_by()}
    assert by_district == expected
    county = make_user(Role.CASEWORKER, "610113", username="cw_yanta")
    for user in (caseworker, county):
        for status in ("", "pending", "cancelled", "paid"):
            rows = selectors.batch_payments(user, batch, status=status)
            assert selectors.batch_payments_count(user, batch, status=status) == rows.count(), (user, status)
        progress = selectors.deadline_progress(user)
        listed = {d["region_id"]: d["count"] for p in progress if p["scheme"].pk == sch.pk for d in p["districts"]}
        lo, hi = code_range(user.region_id)
        assert listed == {k: v[0] for k, v in expected.items() if lo <= k <= hi}
    # the list page and the API take the count from the tally: no COUNT(*) over the payments
    client.force_login(caseworker)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(f"/assistance/batches/{batch.pk}/payments/?status=pending")
    assert resp.status_code == 200 and resp.context["page"].paginator.count == 5
    assert not [q for q in ctx.captured_queries if '"__count"' in q["sql"] and '"assistance_payment"' in q["sql"]]
    body = api(caseworker).get(f"/api/v1/assistance/batches/{batch.pk}/payments/?status=pending").json()
    assert body["count"] == 5 and len(body["results"]) == 5
    assert Batch.objects.get(pk=batch.pk).recipient_count == 6
