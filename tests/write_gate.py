"""The walk over every write service: each refuses a wrong role and a wrong region with PermissionDenied
(403 on every surface), before it changes anything.

Each app's `tests/<app>/test_write_gate.py` gives one case per public service and calls
`check_walk(services_module, CASES, EXEMPT)`:

    CASES = {
        "batch_approve": Case(call=lambda actor, w: services.batch_approve(batch=w.batch, actor=actor),
                              world=make_world, wrong_role=Role.CASEWORKER, wrong_region="120000"),
        ...
    }
    EXEMPT = {"batch_build": "a task's step: takes an id, has no actor"}

The walk fails when a public service has neither a case nor a stated exemption, so a new service
cannot skip the gate unnoticed.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from portal.models import AuditEvent
from tests.factories import UserFactory


@dataclass(frozen=True)
class Case:
    call: Callable  # (actor, world) -> the service call
    world: Callable  # (right_user_factory) -> anything the call needs, built by a user who may act
    right_role: str
    wrong_role: str | None  # None: every role may (the region is the gate)
    wrong_region: str | None = "120000"  # None: nationwide service (no region to be outside of)
    right_region: str = "610100"


def public_services(module) -> set[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")
                 and v.__module__.startswith(module.__name__)]
    return {n for n in names if inspect.isfunction(getattr(module, n))}


def check_walk(module, cases: dict, exempt: dict) -> None:
    missing = public_services(module) - set(cases) - set(exempt)
    assert not missing, f"services with no gate case and no stated exemption: {sorted(missing)}"
    unknown = (set(cases) | set(exempt)) - public_services(module)
    assert not unknown, f"cases for services that do not exist: {sorted(unknown)}"


def run_case(case: Case) -> None:
    right = UserFactory(role=case.right_role, region_id=case.right_region)
    world = case.world(right)
    refused = []
    if case.wrong_role is not None:
        refused.append(UserFactory(role=case.wrong_role, region_id=case.right_region))
    if case.wrong_region is not None:
        refused.append(UserFactory(role=case.right_role, region_id=case.wrong_region))
    assert refused, "a case must refuse someone"
    for actor in refused:
        before = AuditEvent.objects.count()
        with pytest.raises(PermissionDenied):
            case.call(actor, world)
        assert AuditEvent.objects.count() == before, "a refused write left an audit row behind"
