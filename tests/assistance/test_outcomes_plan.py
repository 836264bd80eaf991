"""The bank's answers recorded for a chunk (assistance.services.outcomes) with statistics taken before the
payout: every payment was pending when the table was last analysed, and where autovacuum is off (as on the
CI machines) nothing refreshes that. The planner then expects one `sent` payment and, as a nested loop,
rescanned the chunk's outcomes for each of the thousands actually sent: a minute per 5,000-row chunk at
200,000 payments in the fleet test. The statement must not plan a nested loop whatever the statistics say."""

import pytest
from django.db import connection, transaction

from assistance import services
from assistance.models import Payment
from assistance.services import outcomes

from . import factories as f
from .test_id_last4_plans import _load

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL plan")


def test_answers_for_a_chunk_plan_no_nested_loop_on_stale_statistics(caseworker):
    batch = services.batch_create(scheme=f.scheme(caseworker), region="610100", actor=caseworker)
    hbatch = services.batch_create(scheme=f.scheme(caseworker, unit="household"), region="610100", actor=caseworker)
    _load(batch, hbatch)  # 30,000 pending payments, then ANALYZE: the statistics say "all pending"
    with connection.cursor() as cur:  # handed over to the bank since: 8,000 sent, not analysed
        cur.execute("UPDATE assistance_payment SET status = 'sent' WHERE batch_id = %s AND id < 1008000", [batch.pk])
    chunk = [(pid, "paid", f"REF-{pid}", "") for pid in range(1002000, 1004000)]
    plans = []

    def explain(execute, sql, params, many, context):
        if sql.startswith("WITH r AS (SELECT * FROM unnest"):
            with context["connection"].cursor() as cur:
                cur.execute("EXPLAIN " + sql, params)
                plans.append("\n".join(row[0] for row in cur.fetchall()))
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(explain):
        paid, paid_sum, failed = outcomes._apply_results_pg("bank_file", chunk, Payment.Status.SENT, 0)
    assert (paid, failed) == (2000, 0)
    assert plans and "Nested Loop" not in plans[0], plans[0]
    assert Payment.objects.filter(batch=batch, status="paid").count() == 2000
