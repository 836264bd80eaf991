"""Every public write service of appeals refuses a wrong role and a wrong region (Tianjin, outside Xi'an)
with PermissionDenied, before it changes anything (no audit row). See tests/write_gate.py."""

import pytest

from appeals import services
from appeals.models import Appeal
from portal.models import Role
from tests.assistance import factories as af
from tests.write_gate import Case, check_walk, run_case

from . import factories as f

pytestmark = pytest.mark.django_db

CW, AP, OFFICER = Role.CASEWORKER, Role.APPROVER, Role.INSURANCE_OFFICER


def _rejected(right):
    return f.rejected_application(f.staff(CW), f.staff(AP))


def _filed(right) -> Appeal:
    app = _rejected(right)
    return services.appeal_file(actor=f.staff(CW), kind="rejection", subject=app, grounds="收入计算有误")


def _under_review(right) -> Appeal:
    appeal = _filed(right)
    services.appeal_review_start(appeal=appeal, actor=right)
    appeal.refresh_from_db()
    return appeal


def _paid_batch(right):
    cw = f.staff(CW)
    af.household(cw, members=2)
    batch = af.built_batch(cw, af.scheme(cw))
    f.pay(batch, f.staff(AP))
    batch.refresh_from_db()
    return batch


def _check(right):
    return services.verification_draw(batch=_paid_batch(right), actor=f.staff(CW)).checks.first()


CASES = {
    "appeal_file": Case(call=lambda a, app: services.appeal_file(actor=a, kind="rejection", subject=app,
                                                                 grounds="收入计算有误"),
                        world=_rejected, right_role=CW, wrong_role=OFFICER),
    "appeal_review_start": Case(call=lambda a, w: services.appeal_review_start(appeal=w, actor=a),
                                world=_filed, right_role=AP, wrong_role=CW),
    "appeal_decide": Case(call=lambda a, w: services.appeal_decide(appeal=w, actor=a, outcome="dismissed",
                                                                   reason="原决定正确"),
                          world=_under_review, right_role=AP, wrong_role=CW),
    "appeal_withdraw": Case(call=lambda a, w: services.appeal_withdraw(appeal=w, actor=a),
                            world=_filed, right_role=CW, wrong_role=OFFICER),
    "verification_draw": Case(call=lambda a, b: services.verification_draw(batch=b, actor=a),
                              world=_paid_batch, right_role=CW, wrong_role=OFFICER),
    "verification_record": Case(call=lambda a, c: services.verification_record(check=c, actor=a, answer="received",
                                                                               method="phone"),
                                world=_check, right_role=CW, wrong_role=Role.INSURED),
}
EXEMPT: dict = {}


def test_every_service_has_a_case():
    check_walk(services, CASES, EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_role_and_wrong_region_are_refused(name):
    run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_user_may(name):
    """The other half of each case: the right role in the right region is not refused."""
    from tests.factories import UserFactory

    case = CASES[name]
    right = UserFactory(role=case.right_role, region_id=case.right_region)
    case.call(right, case.world(right))
