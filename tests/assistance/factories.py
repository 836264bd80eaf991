"""Test data for winter relief, created through the services (the same path as forms and API)."""

import datetime as dt
import itertools

from assistance import services
from assistance.models import Scheme
from tests.factories import id_number_for

_seq = itertools.count(1)
START = dt.date(2025, 1, 1)


def new_id(region="610112") -> str:
    return id_number_for(region, seq=next(_seq) + 5000)


def household(actor, *, region="610112", area="urban", members=1, category="dibao", monthly=50000,
              enrol=True, bank_account="6222020200112233445"):
    """A household of `members` people (the first is the head), each enrolled in `category` at `monthly` fen."""
    rows = []
    for i in range(members):
        rows.append({"name": f"测试{next(_seq)}", "id_number": new_id(region), "relation": "head" if i == 0 else "child"})
    hh = services.household_create(region=region, area=area, address=f"测试路{next(_seq)}号", members=rows,
                                   bank_account=bank_account, actor=actor)
    if enrol and category:
        amounts = monthly if isinstance(monthly, list | tuple) else [monthly] * members
        for row, amount in zip(rows, amounts, strict=True):
            services.enrolment_create(id_number=row["id_number"], category=category, monthly_amount=amount,
                                      start=START, actor=actor)
    return hh


def scheme(actor, *, kind="one_time", unit="person", region="610100", categories=("dibao", "tekun"),
           urban=80000, rural=70000, months=1, budget=10**10) -> Scheme:
    return services.scheme_create(name=f"测试项目{next(_seq)}", kind=kind, region=region, unit=unit,
                                  categories=list(categories), urban_amount=urban, rural_amount=rural,
                                  months=months, budget=budget, deadline=dt.date(2026, 2, 10), actor=actor)


def built_batch(actor, sch, region="610100", captured=None):
    """Create a batch and run its build task (on_commit callbacks executed)."""
    batch = services.batch_create(scheme=sch, region=region, actor=actor)
    services.batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch
