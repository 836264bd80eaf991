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


# --------------------------------------------------------------------------- monthly assistance


def rule(region="610100", *, pay_day=10, exit_months=2, minimum=2000, disability=10000, effective=START, **kw):
    """A region's means-test and payroll rule (data, as a bureau loads it)."""
    from assistance.models import AssistanceRule

    values = {"counted_income": ["wages", "pension", "business", "rent"], "deposit_limit_per_person": 2_000_000,
              "housing_limit": 1, "vehicle_limit": 0, "minimum_per_person": minimum,
              "severe_disability_addition": disability, "exit_months": exit_months, "review_months": 12,
              "review_months_work_able": 6, "pay_day": pay_day, **kw}
    return AssistanceRule.objects.create(region_id=region, effective_from=effective, **values)


def standard(region="610100", *, amount=80000, area="urban", kind="dibao", care_level="", combine="max",
             effective=START):
    from assistance.models import Standard

    return Standard.objects.create(region_id=region, area=area, kind=kind, care_level=care_level, amount=amount,
                                   combine=combine, effective_from=effective)


def enrolled_household(actor, *, members=2, wages=0, start=dt.date(2026, 1, 1), region="610112"):
    """A household means-tested and enrolled as a household (dibao) from `start`."""
    hh = household(actor, region=region, members=members, enrol=False)
    if wages:
        services.income_item_add(household=hh, kind="wages", monthly_amount=wages, actor=actor)
    test = services.means_test_run(household=hh, actor=actor, on=start)
    he = services.household_enrol(household=hh, actor=actor, start=start, means_test=test)
    return hh, he
