"""Casework test data, created through services (the same path as forms and API)."""

import datetime as dt
import itertools

from django.utils import timezone

from assistance import services as assistance_services
from casework import services
from tests.factories import id_number_for

_seq = itertools.count(1)


def new_id(region="610112", birth=None) -> str:
    return id_number_for(region, seq=next(_seq) + 7000, birth=birth)


def household(actor, *, region="610112", members=1, birth=None, bank_account="6222020200112233445"):
    rows = [{"name": f"户员{next(_seq)}", "id_number": new_id(region, birth), "relation": "head" if i == 0 else "child"}
            for i in range(members)]
    hh = assistance_services.household_create(region=region, area="urban", address=f"测试街{next(_seq)}号",
                                              members=rows, bank_account=bank_account, actor=actor)
    return hh, rows


def patrol(actor, *, region="610112", inventory=None, vehicles_sent=1, started_at=None):
    return services.patrol_create(region=region, area="钟楼—北大街", started_at=started_at or timezone.now(),
                                  vehicle="陕A·12345", vehicles_sent=vehicles_sent, inventory=inventory, actor=actor)


def inventory(actor, *, region="610112", food=10, clothing=10, bedding=5):
    return services.inventory_create(name=f"物资库{next(_seq)}", region=region, food=food, clothing=clothing,
                                     bedding=bedding, actor=actor)


def shelter(actor, *, region="610112", capacity=2, kind="warming"):
    return services.shelter_create(kind=kind, name=f"避寒点{next(_seq)}", region=region, address="测试路1号",
                                   capacity=capacity, actor=actor)


TODAY = dt.date(2026, 1, 15)
