"""What pooled money pays for (issue 18): the category must fit the institution, premiums have a path of
their own, the beneficiary's own insurance status is checked at every spend."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from medical_pooling import services
from medical_pooling.models import LedgerEntry, Relation, Spend
from portal.models import AuditEvent

from .factories import citizen_user, code_for, institution_user, insured, officer, recent, relation

pytestmark = pytest.mark.django_db
BASE = "/api/v1/pooling"


@pytest.fixture
def world():
    worker = insured(balance=500_000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    return {"worker": worker, "parent": parent, "rel": relation(worker, parent, 100_000),
            "hospital": institution_user(), "pharmacy": institution_user("P34160200001", "华佗大药房")}


def _nothing_written(rel, before_spends=0):
    assert Spend.objects.count() == before_spends
    assert Relation.objects.get(pk=rel.pk).used == 0


@pytest.mark.parametrize("who, category, words", [
    ("hospital", "pharmacy", "定点医疗机构只能登记"),
    ("pharmacy", "medical", "定点零售药店只能登记"),
])
def test_the_category_must_fit_the_institution(world, who, category, words):
    code = code_for(world["rel"])
    with pytest.raises(ValidationError) as exc:
        services.spend_create(actor=world[who], payment_code=code, category=category, amount=1_000,
                              occurred_at=recent())
    assert words in exc.value.message_dict["category"][0]
    _nothing_written(world["rel"])
    # the refused attempt did not use up the code: the fitting category goes through with it
    fitting = "medical" if who == "hospital" else "pharmacy"
    spend = services.spend_create(actor=world[who], payment_code=code, category=fitting, amount=1_000,
                                  occurred_at=recent())
    assert spend.category == fitting


def test_a_premium_recorded_at_a_counter_stays_accepted_as_the_public_api_lists_it(api, world):
    body = {"payment_code": code_for(world["rel"]), "category": "premium", "amount": "10.00",
            "occurred_at": recent().isoformat()}
    r = api(world["hospital"]).post(f"{BASE}/spends/", body, format="json")
    assert r.status_code == 201, r.content
    assert Relation.objects.get(pk=world["rel"].pk).used == 1_000


def test_the_api_refuses_a_misfit_category_in_chinese(api, world):
    body = {"payment_code": code_for(world["rel"]), "category": "pharmacy", "amount": "10.00",
            "occurred_at": recent().isoformat()}
    r = api(world["hospital"]).post(f"{BASE}/spends/", body, format="json")
    assert r.status_code == 400 and "定点医疗机构只能登记" in r.json()["category"][0]
    _nothing_written(world["rel"])


@pytest.mark.parametrize("status", ["terminated", "deceased", "transferred"])
def test_a_beneficiary_no_longer_insured_is_refused_generically(world, status):
    code = code_for(world["rel"])
    services.insured_set_status(actor=officer(), insured=world["parent"], status=status)
    with pytest.raises(ValidationError) as exc:
        services.spend_create(actor=world["hospital"], payment_code=code, category="medical", amount=1_000,
                              occurred_at=recent())
    assert exc.value.message_dict == {"payment_code": [services.SPEND_REFUSED]}
    assert not Spend.objects.exists()


def test_the_beneficiary_pays_a_premium_from_the_quota(world):
    parent_user = citizen_user(world["parent"])
    spend = services.premium_pay(actor=parent_user, relation=world["rel"], premium_scheme="resident", amount=40_000)
    assert spend.institution is None and spend.category == "premium" and spend.premium_scheme == "resident"
    # payer: the pooler's region; payee: the beneficiary's region's fund; cleared like any pooled spend
    assert (spend.payer_region, spend.payee_region) == ("610100", "341600")
    rel = Relation.objects.get(pk=world["rel"].pk)
    assert rel.used == 40_000
    entry = LedgerEntry.objects.get(spend=spend)
    assert (entry.kind, entry.amount, entry.reserved_delta) == ("pooled_spend", -40_000, -40_000)
    assert AuditEvent.objects.filter(action="pooling.premium_pay").count() == 1
    # once per beneficiary, scheme and year
    with pytest.raises(ValidationError) as exc:
        services.premium_pay(actor=parent_user, relation=rel, premium_scheme="resident", amount=40_000)
    assert "已缴纳" in exc.value.message_dict["year"][0]
    # long-term care is another scheme
    services.premium_pay(actor=parent_user, relation=rel, premium_scheme="ltc", amount=5_000)
    assert Relation.objects.get(pk=rel.pk).used == 45_000


@pytest.mark.parametrize("kwargs, field, words", [
    ({"premium_scheme": "resident", "amount": 200_000}, "amount", "超过共济额度剩余"),
    ({"premium_scheme": "car", "amount": 100}, "premium_scheme", "缴费险种"),
    ({"premium_scheme": "resident", "amount": 0}, "amount", "大于零"),
    ({"premium_scheme": "resident", "amount": 100, "year": 1999}, "year", "年度"),
])
def test_a_bad_premium_is_refused_in_chinese_with_nothing_saved(world, kwargs, field, words):
    with pytest.raises(ValidationError) as exc:
        services.premium_pay(actor=citizen_user(world["parent"]), relation=world["rel"], **kwargs)
    assert words in exc.value.message_dict[field][0]
    _nothing_written(world["rel"])


def test_an_employee_beneficiary_pays_no_resident_premium(world):
    sibling = insured(balance=1_000)
    rel = relation(world["worker"], sibling, 10_000, kinship="sibling")
    with pytest.raises(ValidationError) as exc:
        services.premium_pay(actor=citizen_user(sibling), relation=rel, premium_scheme="resident", amount=100)
    assert "职工医保" in exc.value.message_dict["premium_scheme"][0]
    assert services.premium_pay(actor=citizen_user(sibling), relation=rel, premium_scheme="ltc", amount=100)


def test_a_premium_through_the_api_and_the_page(api, world):
    parent_user = citizen_user(world["parent"])
    r = api(parent_user).post(f"{BASE}/premiums/", {"relation": world["rel"].pk, "premium_scheme": "ltc",
                                                    "amount": "50.00"}, format="json")
    assert r.status_code == 201 and r.json()["institution"] is None and r.json()["premium_scheme"] == "ltc"
    # the pooler may not pay it (403), an institution may not reach it (403)
    r = api(citizen_user(world["worker"])).post(f"{BASE}/premiums/", {"relation": world["rel"].pk,
                                                                      "premium_scheme": "resident",
                                                                      "amount": "50.00"}, format="json")
    assert r.status_code == 403
    assert api(world["hospital"]).post(f"{BASE}/premiums/", {}, format="json").status_code == 403
    c = Client()
    c.force_login(parent_user)
    page = c.get(f"/pooling/relations/{world['rel'].pk}/premium/")
    assert page.status_code == 200 and "共济缴费" in page.content.decode()
    r = c.post(f"/pooling/relations/{world['rel'].pk}/premium/", {"premium_scheme": "resident", "year": "",
                                                                  "amount": "380"})
    assert r.status_code == 200 and "缴费年度" in r.content.decode()  # required on the page
    year = recent(0).year
    r = c.post(f"/pooling/relations/{world['rel'].pk}/premium/", {"premium_scheme": "resident", "year": year,
                                                                  "amount": "380"})
    assert r.status_code == 302
    assert Spend.objects.filter(premium_scheme="resident", amount=38_000).count() == 1
    assert "共济缴费" in c.get("/pooling/").content.decode()


def test_the_guide_is_plain_and_linked_from_self_service(world):
    html = Client().get("/pooling/guide/").content.decode()
    for words in ["谁可以共济", "能用来付什么", "什么是共济额度", "解除后钱怎么办", "跨地区怎么清算"]:
        assert words in html
    c = Client()
    c.force_login(citizen_user(world["worker"]))
    for url in ["/pooling/", "/pooling/relations/new/"]:
        assert "/pooling/guide/" in c.get(url).content.decode(), url
