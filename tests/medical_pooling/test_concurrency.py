"""50 concurrent spends against one quota on real Postgres never overspend."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from medical_pooling import services
from medical_pooling.models import Relation, Spend

from .factories import code_for, institution_user, insured, relation


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_spends_never_overspend():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")
    worker = insured(balance=1_000_000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 100_000)            # 1,000.00 yuan
    hospital = institution_user()
    at = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=1)
    codes = [code_for(rel) for _ in range(50)]  # each cashier holds its own code
    ok, refused, errors = [], [], []
    barrier = threading.Barrier(50)

    def spend(i):
        try:
            barrier.wait(timeout=30)
            services.spend_create(actor=hospital, payment_code=codes[i], category="medical", amount=3_000 + i,
                                  occurred_at=at)
            ok.append(3_000 + i)
        except ValidationError:
            refused.append(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rel = Relation.objects.get(pk=rel.pk)
    assert sum(ok) <= 100_000
    assert refused, "the quota must have run out"
    assert rel.used == sum(ok) == sum(Spend.objects.filter(relation=rel).values_list("amount", flat=True))
    worker.account.refresh_from_db()
    assert worker.account.balance == 1_000_000 - sum(ok)
    assert worker.account.reserved == 100_000 - sum(ok)
