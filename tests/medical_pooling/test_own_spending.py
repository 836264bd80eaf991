"""The pooler's own spending (本人使用, ledger kind OWN_SPEND): never from what is reserved for relatives
(在共济额度内，共济人不能再使用该额度): available = balance − reserved."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from medical_pooling import services
from medical_pooling.models import Account, LedgerEntry, OwnSpend, PaymentCode
from tests.factories import plain_id

from .factories import citizen_user, code_for, institution_user, insured, recent, relation

pytestmark = pytest.mark.django_db
BASE = "/api/v1/pooling"


@pytest.fixture
def world():
    worker = insured(balance=100_000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 70_000)  # 700 yuan reserved: 300 available
    return {"worker": worker, "parent": parent, "rel": rel, "user": citizen_user(worker),
            "hospital": institution_user(), "pharmacy": institution_user("P34160200001", "华佗大药房")}


def _own_code(w):
    return services.own_payment_code_issue(actor=w["user"])[0]


def test_own_spending_uses_only_what_is_available(world):
    code = _own_code(world)
    with pytest.raises(ValidationError) as exc:  # 300.01 > available 300.00: refused, the code still good
        services.own_spend_create(actor=world["hospital"], payment_code=code, category="medical", amount=30_001,
                                  occurred_at=recent())
    assert exc.value.message_dict == {"payment_code": [services.OWN_SPEND_REFUSED]}
    assert not OwnSpend.objects.exists()
    own = services.own_spend_create(actor=world["hospital"], payment_code=code, category="medical",
                                    amount=30_000, occurred_at=recent(),
                                    id_number=plain_id(world["worker"].person))
    account = Account.objects.get(insured=world["worker"])
    assert (account.balance, account.reserved, account.available) == (70_000, 70_000, 0)
    entry = LedgerEntry.objects.get(own_spend=own)
    assert (entry.kind, entry.amount, entry.reserved_delta) == ("own_spend", -30_000, 0)
    # the relative's quota is untouched and still spendable in full
    spend = services.spend_create(actor=world["hospital"], payment_code=code_for(world["rel"]), category="medical",
                                  amount=70_000, occurred_at=recent())
    assert spend.amount == 70_000
    with pytest.raises(ValidationError):  # the code was used once
        services.own_spend_create(actor=world["hospital"], payment_code=code, category="medical", amount=1,
                                  occurred_at=recent())


def test_codes_do_not_cross(world):
    own = _own_code(world)
    with pytest.raises(ValidationError) as exc:  # an own code is no relation code
        services.spend_create(actor=world["hospital"], payment_code=own, category="medical", amount=100,
                              occurred_at=recent())
    assert exc.value.message_dict == {"payment_code": [services.SPEND_REFUSED]}
    with pytest.raises(ValidationError):  # nor the other way round
        services.own_spend_create(actor=world["hospital"], payment_code=code_for(world["rel"]), category="medical",
                                  amount=100, occurred_at=recent())
    with pytest.raises(ValidationError):  # an ID number that does not match the code
        services.own_spend_create(actor=world["hospital"], payment_code=own, category="medical", amount=100,
                                  occurred_at=recent(), id_number=plain_id(world["parent"].person))
    with pytest.raises(ValidationError) as exc:  # the category must fit the institution here too
        services.own_spend_create(actor=world["hospital"], payment_code=own, category="pharmacy", amount=100,
                                  occurred_at=recent())
    assert "定点医疗机构只能登记" in exc.value.message_dict["category"][0]
    assert not OwnSpend.objects.exists()
    assert PaymentCode.objects.get(owner=world["worker"]).used_at is None


def test_a_resident_has_no_own_code(world):
    with pytest.raises(ValidationError) as exc:
        services.own_payment_code_issue(actor=citizen_user(world["parent"]))
    assert "职工医保" in exc.value.message_dict["detail"][0]


def test_own_spending_through_the_api_and_the_pages(api, world):
    r = api(world["user"]).post(f"{BASE}/me/own-payment-codes/", {}, format="json")
    assert r.status_code == 201 and len(r.json()["code"]) == 18
    body = {"payment_code": r.json()["code"], "category": "pharmacy", "amount": "120.50",
            "occurred_at": recent().isoformat()}
    assert api(world["hospital"]).post(f"{BASE}/own-spends/", body, format="json").status_code == 400
    r = api(world["pharmacy"]).post(f"{BASE}/own-spends/", body, format="json")
    assert r.status_code == 201 and r.json()["amount"] == "120.50"
    assert api(world["user"]).get(f"{BASE}/own-spends/").json()["count"] == 1
    assert api(world["hospital"]).get(f"{BASE}/own-spends/").json()["count"] == 0  # another institution's
    assert api(world["user"]).post(f"{BASE}/own-spends/", body, format="json").status_code == 403
    me = api(world["user"]).get(f"{BASE}/me/").json()
    assert (me["balance"], me["reserved"], me["available"]) == ("879.50", "700.00", "179.50")
    c = Client()
    c.force_login(world["user"])
    assert "出示本人付款码" in c.get("/pooling/").content.decode()
    page = c.post("/pooling/own-code/")
    assert page.status_code == 200 and "本人付款码" in page.content.decode()
    code = PaymentCode.objects.filter(owner=world["worker"], used_at=None).count()
    assert code == 1
    cashier = Client()
    cashier.force_login(world["hospital"])
    r = cashier.post("/pooling/own-spend/", {"payment_code": "123", "category": "medical", "amount": "10",
                                             "occurred_at": "2026-01-05T09:00"})
    assert r.status_code == 200 and services.OWN_SPEND_REFUSED in r.content.decode()
