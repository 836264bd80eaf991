"""The write gate of medical_pooling: every public write service refuses a wrong role and a wrong region
(for a citizen's or an institution's service: another insured person, another institution) with
PermissionDenied before it writes anything; the API answers such a refusal with 403."""


import pytest
from django.core.exceptions import PermissionDenied

from medical_pooling import fraud, importing, services
from medical_pooling.models import FraudAlert, FraudRule, Insured, Relation, Spend
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import PersonFactory, UserFactory
from tests.write_gate import Case, check_walk, run_case

from .factories import (
    citizen_user,
    code_for,
    institution_user,
    insured,
    officer,
    pending_relation,
    recent,
    relation,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/pooling"
XIAN_HOSPITAL = "H61011200001"  # 610112: inside Xi'an (610100)


# ---------------------------------------------------------------- worlds (built by a user who may act)

def _person(right):
    return PersonFactory()


def _employee(right):
    return insured(scheme="employee", region="610100", balance=100_000)


def _pair(right) -> dict:
    pooler = insured(scheme="employee", region="610100", balance=100_000)
    beneficiary = insured(scheme="resident", region="341600", person_region="341602")
    return {"pooler": pooler, "beneficiary": beneficiary}


def _citizen_relation(right) -> Relation:
    """`right` (an insured-role user) becomes the pooler of a relation."""
    w = _pair(right)
    right.person = w["pooler"].person
    right.save(update_fields=["person"])
    return relation(w["pooler"], w["beneficiary"], 10_000)


def _pending_in_xian(right) -> Relation:
    """A request to a beneficiary insured in Xi'an (an officer there may record the consent at the counter)."""
    pooler = insured(scheme="employee", region="610100", balance=100_000)
    beneficiary = insured(scheme="resident", region="610100")
    return pending_relation(pooler, beneficiary, 10_000)


def _beneficiary_relation(right) -> Relation:
    """`right` (an insured-role user) becomes the beneficiary of an active relation."""
    w = _pair(right)
    rel = relation(w["pooler"], w["beneficiary"], 10_000)
    right.person = w["beneficiary"].person
    right.save(update_fields=["person"])
    return rel


def _active_in_xian(right) -> Relation:
    """An active relation whose beneficiary (resident-insured) is insured in Xi'an."""
    pooler = insured(scheme="employee", region="610100", balance=100_000)
    beneficiary = insured(scheme="resident", region="610100")
    return relation(pooler, beneficiary, 50_000)


def _own_code_holder(right):
    """`right` (an insured-role user) is an employee-insured person with a personal account."""
    ins = insured(scheme="employee", region="610100", balance=100_000)
    right.person = ins.person
    right.save(update_fields=["person"])
    return ins


def _own_spendable(right) -> dict:
    ins = insured(scheme="employee", region="610100", balance=100_000)
    code, _row = services.own_payment_code_issue(actor=citizen_user(ins))
    return {"insured": ins, "code": code,
            "institution": services.institution_ensure(code=XIAN_HOSPITAL, name="未央区医院")}


def _spendable(right) -> dict:
    w = _pair(right)
    w["relation"] = relation(w["pooler"], w["beneficiary"], 10_000)
    w["institution"] = services.institution_ensure(code=XIAN_HOSPITAL, name="未央区医院")
    w["code"] = code_for(w["relation"])  # shown by the beneficiary beforehand (a refusal leaves it unused)
    return w


def _spend_kwargs(w, **extra) -> dict:
    return {"payment_code": w["code"], "category": "medical", "amount": 100,
            "occurred_at": recent(), **extra}


def _recorded_spend(right) -> Spend:
    """`right` (an institution-role user) is the institution that recorded the spend."""
    w = _spendable(right)
    right.institution_code = XIAN_HOSPITAL
    right.save(update_fields=["institution_code"])
    return services.spend_create(actor=right, **_spend_kwargs(w))


def _alert(right) -> FraudAlert:
    return FraudAlert.objects.create(rule=FraudRule.objects.order_by("pk").first(), key="gate", region_code="610100")


def _import_rows(right) -> list[dict]:
    p = PersonFactory.build()
    return [{"id_number": p.id_number, "name": p.name, "scheme": "职工", "region": "610100", "balance": "10.00"}]


# ---------------------------------------------------------------- the walk

CASES = {
    "insured_create": Case(
        call=lambda actor, p: services.insured_create(actor=actor, id_number=p.id_number, name=p.name,
                                                      scheme="employee", region="610100"),
        world=_person, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
    "account_contribute": Case(
        call=lambda actor, ins: services.account_contribute(actor=actor, insured=ins, amount=100),
        world=_employee, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
    "insured_set_status": Case(
        call=lambda actor, ins: services.insured_set_status(actor=actor, insured=ins, status="terminated"),
        world=_employee, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.APPROVER),
    "wallet_open": Case(
        call=lambda actor, ins: services.wallet_open(actor=actor, insured=ins),
        world=_employee, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
    "relation_create": Case(  # an officer names the pooler (counter service); a citizen: test below
        call=lambda actor, w: services.relation_create(
            actor=actor, pooler=w["pooler"], beneficiary_id_number=w["beneficiary"].person.id_number,
            beneficiary_name=w["beneficiary"].person.name, kinship="parent", quota=1000),
        world=_pair, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSTITUTION),
    "relation_set_quota": Case(  # another insured person: test below
        call=lambda actor, rel: services.relation_set_quota(actor=actor, relation=rel, quota=20_000),
        world=_citizen_relation, right_role=Role.INSURED, wrong_role=Role.INSURANCE_OFFICER, wrong_region=None),
    "relation_dissolve": Case(  # another insured person: test below
        call=lambda actor, rel: services.relation_dissolve(actor=actor, relation=rel),
        world=_citizen_relation, right_role=Role.INSURED, wrong_role=Role.INSURANCE_OFFICER, wrong_region=None),
    "relation_accept": Case(  # an officer of the beneficiary's region at the counter; citizens: test below
        call=lambda actor, rel: services.relation_accept(actor=actor, relation=rel),
        world=_pending_in_xian, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSTITUTION),
    "payment_code_issue": Case(  # another insured person: test below
        call=lambda actor, rel: services.payment_code_issue(actor=actor, relation=rel),
        world=_beneficiary_relation, right_role=Role.INSURED, wrong_role=Role.INSURANCE_OFFICER, wrong_region=None),
    "spend_create": Case(  # an officer for an institution of the region; another institution: test below
        call=lambda actor, w: services.spend_create(actor=actor, institution=w["institution"], **_spend_kwargs(w)),
        world=_spendable, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
    "premium_pay": Case(  # an officer of the beneficiary's region at the counter; citizens: test below
        call=lambda actor, rel: services.premium_pay(actor=actor, relation=rel, premium_scheme="resident",
                                                     amount=38_000),
        world=_active_in_xian, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSTITUTION),
    "region_rule_set": Case(
        call=lambda actor, region: services.region_rule_set(actor=actor, region=region, categories=["medical"],
                                                            cap_per_spend=50_000),
        world=lambda right: "610100", right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSURED),
    "own_payment_code_issue": Case(  # only for oneself: no other person to name
        call=lambda actor, ins: services.own_payment_code_issue(actor=actor),
        world=_own_code_holder, right_role=Role.INSURED, wrong_role=Role.INSURANCE_OFFICER, wrong_region=None),
    "own_spend_create": Case(  # an officer for an institution of the region; another institution: test below
        call=lambda actor, w: services.own_spend_create(actor=actor, institution=w["institution"],
                                                        payment_code=w["code"], category="medical", amount=100,
                                                        occurred_at=recent()),
        world=_own_spendable, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSURED),
    "spend_refund": Case(  # another institution: test below
        call=lambda actor, spend: services.spend_refund(actor=actor, spend=spend),
        world=_recorded_spend, right_role=Role.INSTITUTION, wrong_role=Role.INSURED, wrong_region=None),
    "spend_refund_on_review": Case(  # the payer region's bureau after an appeal
        call=lambda actor, spend: services.spend_refund_on_review(actor=actor, spend=spend, reason="申诉成立"),
        world=lambda right: _recorded_spend(UserFactory(role=Role.INSTITUTION)),
        right_role=Role.INSURANCE_OFFICER, wrong_role=Role.INSTITUTION),
    "settlement_enqueue": Case(  # national or provincial officers only: a prefecture is the wrong region
        call=lambda actor, month: services.settlement_enqueue(month=month, actor=actor),
        world=lambda right: services.previous_month(), right_role=Role.INSURANCE_OFFICER,
        wrong_role=Role.CASEWORKER, right_region="610000", wrong_region="610100"),
}
EXEMPT = {
    "institution_ensure": "reference data with no actor: run when an administrator creates an institution's "
                          "login (create_portal_user, signals.py) and by the demo seed",
    "settlement_run": "a task's step (run_settlement, run_monthly_settlement): settlement_enqueue is the gate, "
                      "the monthly beat run has no actor",
}

FRAUD_CASES = {
    "fraud_alert_review": Case(
        call=lambda actor, alert: fraud.fraud_alert_review(actor=actor, alert=alert, status="dismissed"),
        world=_alert, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
}
FRAUD_EXEMPT = {
    "fraud_check_spend": "a task's step (check_spend_fraud): takes a spend id, has no actor",
    "fraud_check_spends": "a task's step (check_spends_fraud): takes spend ids, has no actor",
    "fraud_scan": "a task's step (scan_fraud_nightly): has no actor",
}

IMPORT_CASES = {
    "insured_import": Case(
        call=lambda actor, rows: importing.insured_import(actor=actor, rows=rows),
        world=_import_rows, right_role=Role.INSURANCE_OFFICER, wrong_role=Role.CASEWORKER),
}
IMPORT_EXEMPT = {"read_rows": "parses an uploaded file; writes nothing"}


def test_every_write_service_has_a_case_or_a_stated_exemption():
    check_walk(services, CASES, EXEMPT)
    check_walk(fraud, FRAUD_CASES, FRAUD_EXEMPT)
    check_walk(importing, IMPORT_CASES, IMPORT_EXEMPT)


@pytest.mark.parametrize("name", sorted(CASES))
def test_services_gate(name):
    run_case(CASES[name])


@pytest.mark.parametrize("name", sorted(FRAUD_CASES))
def test_fraud_gate(name):
    run_case(FRAUD_CASES[name])


@pytest.mark.parametrize("name", sorted(IMPORT_CASES))
def test_import_gate(name):
    run_case(IMPORT_CASES[name])


@pytest.mark.parametrize("cases, name", [(CASES, n) for n in sorted(CASES)] + [(FRAUD_CASES, "fraud_alert_review"),
                                                                             (IMPORT_CASES, "insured_import")])
def test_the_right_user_may(cases, name):
    """The walk's right user is let through (the cases refuse for the reason they name, not by accident)."""
    case = cases[name]
    right = UserFactory(role=case.right_role, region_id=case.right_region)
    case.call(right, case.world(right))


# ---------------------------------------------------------------- another insured person, another institution

def _refused(call) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        call()
    assert AuditEvent.objects.count() == before, "a refused write left an audit row behind"


def test_a_citizen_acts_only_for_themself():
    w = _pair(None)
    rel = relation(w["pooler"], w["beneficiary"], 10_000)
    stranger = citizen_user(insured(scheme="employee", balance=50_000))
    beneficiary = citizen_user(w["beneficiary"])
    _refused(lambda: services.relation_set_quota(actor=stranger, relation=rel, quota=20_000))
    _refused(lambda: services.relation_set_quota(actor=beneficiary, relation=rel, quota=20_000))
    _refused(lambda: services.relation_dissolve(actor=stranger, relation=rel))
    _refused(lambda: services.wallet_open(actor=stranger, insured=w["pooler"]))
    _refused(lambda: services.relation_create(
        actor=stranger, pooler=w["pooler"], beneficiary_id_number=w["beneficiary"].person.id_number,
        beneficiary_name=w["beneficiary"].person.name, kinship="parent", quota=1000))
    _refused(lambda: services.payment_code_issue(actor=stranger, relation=rel))
    _refused(lambda: services.payment_code_issue(actor=citizen_user(w["pooler"]), relation=rel))
    _refused(lambda: services.premium_pay(actor=stranger, relation=rel, premium_scheme="resident", amount=100))
    _refused(lambda: services.premium_pay(actor=citizen_user(w["pooler"]), relation=rel, premium_scheme="resident",
                                          amount=100))
    rel.refresh_from_db()
    assert (rel.quota, rel.status) == (10_000, Relation.Status.ACTIVE)
    assert services.relation_dissolve(actor=beneficiary, relation=rel).status == Relation.Status.DISSOLVED
    # a request: a stranger may not accept it, nor the pooler for an adult beneficiary
    pending = pending_relation(w["pooler"], w["beneficiary"], 10_000)
    _refused(lambda: services.relation_accept(actor=stranger, relation=pending))
    _refused(lambda: services.relation_accept(actor=citizen_user(w["pooler"]), relation=pending))
    pending.refresh_from_db()
    assert pending.status == Relation.Status.PENDING
    assert services.wallet_open(actor=citizen_user(w["pooler"]), insured=w["pooler"]).wallet_opened


def test_an_institution_acts_only_for_itself():
    w = _spendable(None)
    bozhou = institution_user()  # H34160200001
    _refused(lambda: services.spend_create(actor=bozhou, institution=w["institution"], **_spend_kwargs(w)))
    assert not Spend.objects.exists()
    spend = services.spend_create(actor=bozhou, **_spend_kwargs(w))  # its own institution
    assert spend.institution.code == "H34160200001"
    xian = institution_user(XIAN_HOSPITAL, "未央区医院")
    _refused(lambda: services.spend_refund(actor=xian, spend=spend))
    services.spend_refund(actor=bozhou, spend=spend)
    own = _own_spendable(None)
    _refused(lambda: services.own_spend_create(actor=bozhou, institution=own["institution"],
                                               payment_code=own["code"], category="medical", amount=100,
                                               occurred_at=recent()))
    assert services.own_spend_create(actor=bozhou, payment_code=own["code"], category="medical", amount=100,
                                     occurred_at=recent()).institution.code == "H34160200001"


def test_an_import_with_a_row_outside_the_region_is_refused_whole():
    rows = _import_rows(None) + [{**_import_rows(None)[0], "region": "341600"}]
    rows[1]["id_number"] = PersonFactory.build().id_number
    _refused(lambda: importing.insured_import(actor=officer(region="610000"), rows=rows))
    assert not Insured.objects.exists()


# ---------------------------------------------------------------- the API answers a refusal with 403

def test_api_refusals_are_403(api, caseworker):
    p = PersonFactory()
    body = {"id_number": p.id_number, "name": p.name, "scheme": "employee", "region": "610100"}
    assert api(caseworker).post(f"{BASE}/insured/", body, format="json").status_code == 403
    r = api(officer(region="341600")).post(f"{BASE}/insured/", body, format="json")
    assert r.status_code == 403 and r.json()["detail"] == "您无权管理该统筹地区的参保人。"
    assert not Insured.objects.exists()

    w = _pair(None)
    rel = relation(w["pooler"], w["beneficiary"], 10_000)
    r = api(citizen_user(w["beneficiary"])).patch(f"{BASE}/relations/{rel.pk}/", {"quota": "1.00"}, format="json")
    assert r.status_code == 403 and r.json()["detail"] == "只有共济人可以调整共济额度。"

    r = api(officer(region="610100")).post(f"{BASE}/settlements/run/", {"month": "2026-01"}, format="json")
    assert r.status_code == 403 and "省级" in r.json()["detail"]
