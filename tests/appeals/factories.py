"""Appeals test worlds, built through the owning apps' services (the same path as forms and API)."""

import datetime as dt

from assistance import services as assistance_services
from casework import services as casework_services
from medical_pooling.models import Spend
from portal.roles import Role
from tests.assistance import factories as af
from tests.factories import UserFactory
from tests.medical_pooling import factories as mf

JAN, FEB, MAR = dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)
XIAN_HOSPITAL = "H61011200001"


def staff(role=Role.APPROVER, region="610100", **kw):
    return UserFactory(role=role, region_id=region, **kw)


def pay(batch, approver):
    assistance_services.batch_approve(batch=batch, actor=approver)
    return assistance_services.batch_pay(batch_id=batch.pk)


def monthly_rules():
    af.rule("610100", pay_day=10, exit_months=2)
    af.standard("610000", amount=70000)
    af.standard("610100", amount=80000)


def stopped_enrolment(caseworker, stopper, payer):
    """A dibao household paid for January, stopped from 1 February by `stopper`; another household keeps the
    February payroll live (paid), so the stopped month is one the payroll ran."""
    monthly_rules()
    hh, he = af.enrolled_household(caseworker, members=1)
    af.enrolled_household(caseworker, members=1)
    pay(assistance_services.payroll_run(region="610100", month="2026-01", on=JAN), payer)
    assistance_services.enrolment_stop(household_enrolment=he, actor=stopper, on=dt.date(2026, 2, 1),
                                       reason="收入超标")
    pay(assistance_services.payroll_run(region="610100", month="2026-02", on=FEB), payer)
    he.refresh_from_db()
    return hh, he


def live_enrolment(caseworker):
    monthly_rules()
    return af.enrolled_household(caseworker, members=2)


def rejected_application(receiver, decider):
    from tests.casework import factories as cf
    _hh, rows = cf.household(receiver)
    app = casework_services.application_intake(id_number=rows[0]["id_number"], name=rows[0]["name"],
                                               region="610112", category="dibao", requested_amount=60000,
                                               actor=receiver)
    return casework_services.application_reject(application=app, actor=decider, reason="家庭收入超过标准")


def disputed_spend() -> tuple[Spend, object]:
    """A spend recorded by a Xi'an hospital on a Xi'an pooler's relation; returns (spend, hospital user)."""
    pooler = mf.insured(scheme="employee", region="610100", balance=100_000)
    beneficiary = mf.insured(scheme="resident", region="610100")
    rel = mf.relation(pooler, beneficiary, 20_000)
    hospital = mf.institution_user(code=XIAN_HOSPITAL, name="未央区医院")
    return mf.spend(hospital, rel, 12_000, mf.recent()), hospital


def citizen_of(person):
    return UserFactory(role=Role.INSURED, region_id=None, person=person)
