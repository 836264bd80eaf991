"""The write gate of winter relief: every public write service refuses a wrong role and a wrong region
(Tianjin, 120000, is outside Xi'an, 610100) with PermissionDenied before it writes anything, and the
API and the pages answer such a refusal with 403."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from assistance import services
from assistance.models import AccountChange, Batch, Payment
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory
from tests.write_gate import Case, check_walk, run_case

from . import factories as f

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- worlds (built by a user who may act)

def _nothing(right):
    return None


def _household(right):
    return f.household(right, enrol=False)


def _two_households(right):
    return SimpleNamespace(a=f.household(right, enrol=False), b=f.household(right, enrol=False))


def _scheme(right):
    return f.scheme(right)


def _built_batch(right):
    """A draft batch of one recipient, made by `right` (a caseworker)."""
    f.household(right, members=1)
    return f.built_batch(right, f.scheme(right))


def _building_batch(right):
    """A batch still `building` (its build task is never run in these tests)."""
    return services.batch_create(scheme=f.scheme(right), region="610100", actor=right)


def _draft_for_approval(right):
    """A draft batch made by a caseworker, for `right` (an approver) to approve."""
    maker = UserFactory(role=Role.CASEWORKER, region_id="610100")
    f.household(maker, members=1)
    return f.built_batch(maker, f.scheme(maker))


def _returned_batch(right):
    """A batch made by `right` (a caseworker) and sent back to it by an approver."""
    batch = _built_batch(right)
    return services.batch_return(batch=batch, actor=UserFactory(role=Role.APPROVER, region_id="610100"),
                                 reason="名单有误")


def _payment(right, status=Payment.Status.PENDING):
    batch = _built_batch(right)
    payment = Payment.objects.get(batch=batch)
    Payment.objects.filter(pk=payment.pk).update(status=status)
    payment.refresh_from_db()
    return payment


def _failed_payment(right):
    return _payment(right, Payment.Status.FAILED)


def _paying_batch(right):
    """An approved batch whose payout has started and sent nothing yet (awaiting a bank's result file)."""
    batch = _built_batch(right)
    services.batch_approve(batch=batch, actor=UserFactory(role=Role.APPROVER, region_id="610100"))
    batch = services.batch_pay(batch_id=batch.pk, max_chunks=0)
    return SimpleNamespace(batch=batch, payment=Payment.objects.get(batch=batch))


def _made_by_another(right, status=Payment.Status.PENDING):
    """A payment of a batch made by a caseworker, for `right` (an approver) to re-issue or cancel."""
    maker = UserFactory(role=Role.CASEWORKER, region_id="610100")
    payment = _payment(maker, status)
    return payment


def _account_change(right):
    maker = UserFactory(role=Role.CASEWORKER, region_id="610100")
    payment = _payment(maker)
    services.household_update(household=payment.household, area="urban", address="门禁路1号",
                              bank_account="6222020200000099999", actor=maker)
    return AccountChange.objects.get(household=payment.household)


def _monthly_rules():
    f.rule("610100")
    f.standard("610100", amount=80000)


def _tested_household(right):
    """A household with an eligible means test (made by a caseworker), ready to enrol."""
    _monthly_rules()
    maker = UserFactory(role=Role.CASEWORKER, region_id="610100")
    hh = f.household(maker, enrol=False)
    services.means_test_run(household=hh, actor=maker, on=f.START)
    return hh


def _household_enrolment(right, suspended=False):
    _monthly_rules()
    maker = UserFactory(role=Role.CASEWORKER, region_id="610100")
    _hh, he = f.enrolled_household(maker, members=1, start=f.START)
    if suspended:
        services.enrolment_suspend(household_enrolment=he, actor=maker, on=dt.date(2025, 2, 1))
        he.refresh_from_db()
    return he


def _funds_chain(right):
    """Funds down to Xi'an for 2026, so that `right` (a Xi'an approver) may pass some to a district."""
    admin = UserFactory(role=Role.ADMIN, region_id=None)
    services.allocation_create(year=2026, region=None, amount=10**6, actor=admin)
    services.allocation_create(year=2026, region="610000", amount=10**5, actor=admin)
    services.allocation_create(year=2026, region="610100", amount=10**4, actor=admin)


def _members():
    return [{"name": "新户主", "id_number": f.new_id(), "relation": "head"}]


# ---------------------------------------------------------------- one case per public write service

CW, AP, OFFICER = Role.CASEWORKER, Role.APPROVER, Role.INSURANCE_OFFICER

CASES = {
    "household_create": Case(
        call=lambda actor, w: services.household_create(region="610112", area="urban", address="未央路1号",
                                                        members=_members(), actor=actor),
        world=_nothing, right_role=CW, wrong_role=AP),
    "household_update": Case(
        call=lambda actor, w: services.household_update(household=w, area="rural", address="新址1号",
                                                        bank_account="", actor=actor),
        world=_household, right_role=CW, wrong_role=AP),
    "member_add": Case(
        call=lambda actor, w: services.member_add(household=w, name="新成员", id_number=f.new_id(),
                                                  relation="child", actor=actor),
        world=_household, right_role=CW, wrong_role=AP),
    "member_move": Case(
        call=lambda actor, w: services.member_move(person=w.a.head, to_household=w.b, relation="other",
                                                   actor=actor),
        world=_two_households, right_role=CW, wrong_role=AP),
    "member_move_by_id_number": Case(
        call=lambda actor, w: services.member_move_by_id_number(id_number=w.a.head.id_number, to_household=w.b,
                                                                relation="other", actor=actor),
        world=_two_households, right_role=CW, wrong_role=AP),
    # The region is not an argument: a person outside the caseworker's region is answered as
    # unregistered (400, tests/assistance/test_household_edit.py), so as not to tell that they exist.
    "enrolment_create": Case(
        call=lambda actor, w: services.enrolment_create(id_number=w.head.id_number, category="dibao",
                                                        monthly_amount=50000, start=f.START, actor=actor),
        world=_household, right_role=CW, wrong_role=AP, wrong_region=None),
    "scheme_create": Case(
        call=lambda actor, w: services.scheme_create(name="门禁项目", kind="one_time", region="610100", unit="person",
                                                     categories=["dibao"], urban_amount=80000, rural_amount=70000,
                                                     budget=10**8, deadline=f.START, actor=actor),
        world=_nothing, right_role=CW, wrong_role=OFFICER),
    "batch_create": Case(
        call=lambda actor, w: services.batch_create(scheme=w, region="610100", actor=actor),
        world=_scheme, right_role=CW, wrong_role=AP),
    "batch_cancel": Case(
        call=lambda actor, w: services.batch_cancel(batch=w, actor=actor, reason="门禁"),
        world=_built_batch, right_role=CW, wrong_role=OFFICER),
    "batch_resume": Case(
        call=lambda actor, w: services.batch_resume(batch=w, actor=actor),
        world=_building_batch, right_role=CW, wrong_role=OFFICER),
    "batch_approve": Case(
        call=lambda actor, w: services.batch_approve(batch=w, actor=actor),
        world=_draft_for_approval, right_role=AP, wrong_role=CW),
    "batch_return": Case(
        call=lambda actor, w: services.batch_return(batch=w, actor=actor, reason="门禁"),
        world=_draft_for_approval, right_role=AP, wrong_role=CW),
    "batch_resubmit": Case(
        call=lambda actor, w: services.batch_resubmit(batch=w, actor=actor),
        world=_returned_batch, right_role=CW, wrong_role=AP),
    "enrolments_create_bulk": Case(
        call=lambda actor, w: services.enrolments_create_bulk(
            member_ids=[w.members.first().pk], category="dibao", monthly_amount=1000, start=f.START, actor=actor),
        world=_household, right_role=CW, wrong_role=AP, wrong_region=None),
    "enrolments_end_bulk": Case(
        call=lambda actor, w: services.enrolments_end_bulk(
            member_ids=[w.members.first().pk], category="dibao", action="stop", reason="门禁", actor=actor),
        world=lambda right: f.household(right), right_role=CW, wrong_role=AP, wrong_region=None),
    "payment_reissue": Case(
        call=lambda actor, w: services.payment_reissue(payment=w, actor=actor),
        world=lambda right: _made_by_another(right, Payment.Status.FAILED), right_role=AP, wrong_role=CW),
    "payment_cancel": Case(
        call=lambda actor, w: services.payment_cancel(payment=w, actor=actor, reason="门禁"),
        world=_made_by_another, right_role=AP, wrong_role=CW),
    "bank_result_upload": Case(
        call=lambda actor, w: services.bank_result_upload(batch=w.batch, data=b"H,x,0,0,0.00,0,0.00\n",
                                                          filename="x.result.csv", actor=actor),
        world=lambda right: _paying_batch(UserFactory(role=Role.CASEWORKER, region_id="610100")),
        right_role=AP, wrong_role=CW),
    "standard_set": Case(
        call=lambda actor, w: services.standard_set(region="610100", area="urban", kind="dibao", amount=90000,
                                                    effective_from=dt.date(2026, 1, 1), actor=actor),
        world=_nothing, right_role=AP, wrong_role=CW),
    "income_item_add": Case(
        call=lambda actor, w: services.income_item_add(household=w, kind="wages", monthly_amount=100, actor=actor),
        world=_household, right_role=CW, wrong_role=AP),
    "asset_add": Case(
        call=lambda actor, w: services.asset_add(household=w, kind="deposit", value=100, actor=actor),
        world=_household, right_role=CW, wrong_role=AP),
    "means_test_run": Case(
        call=lambda actor, w: services.means_test_run(household=w, actor=actor, on=f.START),
        world=_tested_household, right_role=CW, wrong_role=OFFICER),
    "household_enrol": Case(
        call=lambda actor, w: services.household_enrol(household=w, actor=actor, start=f.START),
        world=_tested_household, right_role=CW, wrong_role=OFFICER),
    "enrolment_suspend": Case(
        call=lambda actor, w: services.enrolment_suspend(household_enrolment=w, actor=actor),
        world=_household_enrolment, right_role=CW, wrong_role=OFFICER),
    "enrolment_resume": Case(
        call=lambda actor, w: services.enrolment_resume(household_enrolment=w, actor=actor,
                                                        on=dt.date(2025, 3, 1)),
        world=lambda right: _household_enrolment(right, suspended=True), right_role=CW, wrong_role=OFFICER),
    "enrolment_stop": Case(
        call=lambda actor, w: services.enrolment_stop(household_enrolment=w, actor=actor, reason="门禁"),
        world=_household_enrolment, right_role=CW, wrong_role=OFFICER),
    "enrolment_reinstate": Case(  # after an appeal: the suspended months are paid back
        call=lambda actor, w: services.enrolment_reinstate(household_enrolment=w, actor=actor,
                                                           on=dt.date(2025, 2, 1), reason="申诉成立"),
        world=lambda right: _household_enrolment(right, suspended=True), right_role=CW, wrong_role=OFFICER),
    "enrolment_amount_correct": Case(
        call=lambda actor, w: services.enrolment_amount_correct(household_enrolment=w, actor=actor,
                                                                monthly_amount=90000, effective_from=dt.date(2025, 3, 1),
                                                                reason="申诉成立"),
        world=_household_enrolment, right_role=CW, wrong_role=OFFICER),
    "review_complete": Case(
        call=lambda actor, w: services.review_complete(household_enrolment=w, outcome="confirm", actor=actor),
        world=_household_enrolment, right_role=CW, wrong_role=OFFICER),
    "allocation_create": Case(
        call=lambda actor, w: services.allocation_create(year=2026, region="610112", amount=100, actor=actor),
        world=_funds_chain, right_role=AP, wrong_role=CW),
    "account_change_decide": Case(
        call=lambda actor, w: services.account_change_decide(change=w, approve=True, actor=actor),
        world=_account_change, right_role=AP, wrong_role=CW),
}

EXEMPT = {
    "bank_result_file_apply": "the exchange's step (assistance.fetch_bank_results) with no actor; a file handed "
                              "over by a person goes through bank_result_upload, which gates",
    "bank_results_fetch": "the beat job assistance.fetch_bank_results: system work, no actor",
    "bank_query_unanswered": "the beat job assistance.query_bank: system work, no actor",
    "batch_reconcile": "a step of the nightly reconciliation: takes an id, has no actor, writes only its record",
    "batches_reconcile": "the beat job assistance.reconcile_batches: system work, no actor",
    "deliver_pending": "a step of the payout task: takes an id, has no actor",
    "enrolment_record": "the unchecked insert behind enrolment_create and casework's application_confirm, "
                        "which pass the gate first",
    "batch_build": "a task's step (assistance.build_batch): takes an id, has no actor",
    "batch_pay": "a task's step (assistance.pay_batch): takes an id, has no actor",
    "batch_reverify": "a step of the beat job assistance.heating_topup: takes an id, has no actor",
    "heating_topup": "the beat job assistance.heating_topup: system work, no actor",
    "batch_resume_stalled": "the beat job assistance.resume_stalled_batches: system work, no actor",
    "payroll_run": "a step of the beat job assistance.monthly_payroll: the system is the batch's maker, no actor "
                   "(an approver then approves it through batch_approve, which gates)",
    "monthly_scheme": "a step of payroll_run: makes the province's monthly scheme on first use, no actor",
    "monthly_payroll": "the beat job assistance.monthly_payroll: system work, no actor",
    "batch_note_error": "a task's bookkeeping: keeps the last error on the batch, no actor",
    "payments_settle": "a step of relief_inkind's hand-over and waiver-confirmation services, which gate the "
                       "actor first; takes a batch id",
    "scheme_return_unspent": "a step of the beat job relief_inkind.expire_vouchers: system work, no actor",
}


def test_every_public_service_has_a_case_or_a_stated_exemption():
    check_walk(services, CASES, EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_role_and_wrong_region_are_refused_before_any_write(name):
    run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_right_user_passes_the_gate(name):
    """The refusals above are for the right reason: the same call by a user of the right role and region
    goes through."""
    case = CASES[name]
    right = UserFactory(role=case.right_role, region_id=case.right_region)
    case.call(right, case.world(right))


def test_maker_checker_refusal_keeps_its_words(approver):
    batch = _draft_for_approval(approver)
    Batch.objects.filter(pk=batch.pk).update(created_by=approver)
    batch.refresh_from_db()
    with pytest.raises(PermissionDenied, match="制单人不能审批自己创建的批次。"):
        services.batch_approve(batch=batch, actor=approver)


# ---------------------------------------------------------------- every surface answers a refusal with 403

def test_a_refusal_is_403_on_the_api(approver, api):
    """A caseworker reaches the approve endpoint (staff may), and the service refuses: 403, in its words."""
    batch = _draft_for_approval(approver)
    other = UserFactory(role=Role.CASEWORKER, region_id="610100")
    before = AuditEvent.objects.count()
    resp = api(other).post(f"/api/v1/assistance/batches/{batch.pk}/approve/")
    assert resp.status_code == 403
    assert "只有审批人员可以审批发放批次" in resp.json()["detail"]
    assert AuditEvent.objects.count() == before
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT


def test_a_refusal_is_403_on_a_page(approver, client):
    """The batch's maker, an approver, posts the page's approve form: the service refuses with 403."""
    batch = _draft_for_approval(approver)
    Batch.objects.filter(pk=batch.pk).update(created_by=approver)
    client.force_login(approver)
    before = AuditEvent.objects.count()
    assert client.post(f"/assistance/batches/{batch.pk}/approve/").status_code == 403
    assert AuditEvent.objects.count() == before
    assert Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT
