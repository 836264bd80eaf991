"""Per-region rules as data (各地政策和执行标准): a spend follows the paying (pooler's) region's rules."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from medical_pooling import services
from medical_pooling.models import RegionRule, Relation, Spend
from portal.models import AuditEvent

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


@pytest.fixture
def world():
    worker = insured(balance=900_000)  # pooler in Xi'an (610100): Xi'an's rules apply
    parent = insured(scheme="resident", region="341600", person_region="341602")
    return {"worker": worker, "parent": parent, "rel": relation(worker, parent, 500_000),
            "hospital": institution_user(), "pharmacy": institution_user("P34160200001", "华佗大药房"),
            "xian": officer(region="610100")}


def _charge(w, amount, category="medical", at=None):
    who = w["hospital"] if category == "medical" else w["pharmacy"]
    return services.spend_create(actor=who, payment_code=code_for(w["rel"]), category=category, amount=amount,
                                 occurred_at=at or recent())


def test_the_seed_has_rules_with_wallet_dates():
    rule = RegionRule.objects.get(region_id="610100")
    assert rule.wallet_opened_on <= dt.date(2025, 6, 30) and set(rule.categories) == {"medical", "pharmacy", "premium"}
    assert rule.cap_per_spend is None and rule.claim_window_days is None


def test_caps_per_spend_and_per_month_follow_the_paying_region(world):
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical", "pharmacy"],
                             cap_per_spend=100_000, cap_per_month=150_000)
    with pytest.raises(ValidationError) as exc:  # over the cap per spend: the one generic answer
        _charge(world, 100_001)
    assert exc.value.message_dict == {"payment_code": [services.SPEND_REFUSED]}
    _charge(world, 100_000)
    with pytest.raises(ValidationError):  # 100,000 + 60,000 > 150,000 this month
        _charge(world, 60_000)
    _charge(world, 50_000)
    assert Relation.objects.get(pk=world["rel"].pk).used == 150_000
    # the payee's (Bozhou's) rule does not matter: only the paying region's
    services.region_rule_set(actor=officer(region="341600"), region="341600", categories=["pharmacy"],
                             cap_per_spend=1)
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical"])
    _charge(world, 10_000)


def test_a_category_the_paying_region_does_not_allow_is_refused(world):
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical"])
    with pytest.raises(ValidationError) as exc:
        _charge(world, 1_000, category="pharmacy")
    assert exc.value.message_dict == {"payment_code": [services.SPEND_REFUSED]}
    with pytest.raises(ValidationError) as exc:  # the beneficiary hears why, on the premium path
        services.premium_pay(actor=citizen_user(world["parent"]), relation=world["rel"], premium_scheme="resident",
                             amount=1_000)
    assert "不允许" in exc.value.message_dict["amount"][0]
    assert not Spend.objects.exists()


def test_the_claim_window_reads_the_rule(world):
    assert services.claim_window_days("610100") == 90
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical"], claim_window_days=10)
    assert services.claim_window_days("610100") == 10 and services.claim_window_days("341600") == 90
    with pytest.raises(ValidationError) as exc:
        _charge(world, 1_000, at=recent(11))
    assert "10 天" in exc.value.message_dict["occurred_at"][0]
    _charge(world, 1_000, at=recent(9))


def test_a_region_whose_wallet_is_not_open_makes_no_new_relations(world):
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical"], wallet_opened_on=None)
    other = insured(scheme="resident", region="610100")
    with pytest.raises(ValidationError) as exc:
        pending_relation(world["worker"], other, 1_000)
    assert "尚未开通" in exc.value.message_dict["detail"][0]
    services.region_rule_set(actor=world["xian"], region="610100", categories=["medical"],
                             wallet_opened_on=dt.date(2025, 1, 1))
    assert pending_relation(world["worker"], other, 1_000).status == "pending"


@pytest.mark.parametrize("kwargs, field", [
    ({"region": "610100", "categories": []}, "categories"),
    ({"region": "610100", "categories": ["taxi"]}, "categories"),
    ({"region": "610100", "categories": ["medical"], "cap_per_spend": 0}, "cap_per_spend"),
    ({"region": "610100", "categories": ["medical"], "cap_per_spend": 500, "cap_per_month": 100}, "cap_per_spend"),
    ({"region": "610100", "categories": ["medical"], "claim_window_days": 0}, "claim_window_days"),
    ({"region": "610112", "categories": ["medical"]}, "region"),
])
def test_bad_rules_are_refused_in_chinese(kwargs, field):
    before = list(RegionRule.objects.values_list("region_id", "categories", "cap_per_spend"))
    with pytest.raises(ValidationError) as exc:
        services.region_rule_set(actor=officer(region="610000"), **kwargs)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message_dict[field][0])
    assert list(RegionRule.objects.values_list("region_id", "categories", "cap_per_spend")) == before
    assert not AuditEvent.objects.filter(action="pooling.region_rule_set").exists()


def test_officers_manage_rules_on_a_page_and_through_the_api(api):
    xian = officer(region="610100")
    c = Client()
    c.force_login(xian)
    html = c.get("/pooling/rules/").content.decode()
    assert "各地共济规则" in html and "610100" in html and "341600" not in html  # scoped to the officer
    r = c.post("/pooling/rules/", {"region": "610100", "categories": ["medical", "pharmacy"],
                                   "cap_per_spend": "2000", "cap_per_month": "", "wallet_opened_on": "2024-11-01",
                                   "claim_window_days": "60"})
    assert r.status_code == 302
    rule = RegionRule.objects.get(region_id="610100")
    assert (rule.categories, rule.cap_per_spend, rule.cap_per_month, rule.claim_window_days) == (
        ["medical", "pharmacy"], 200_000, None, 60)
    r = c.post("/pooling/rules/", {"region": "341600", "categories": ["medical"]})
    assert r.status_code == 403  # another region's rules
    r = c.post("/pooling/rules/", {"region": "610100", "categories": ["medical"], "cap_per_spend": "-1"})
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    r = api(xian).put(f"{BASE}/rules/610100/", {"categories": ["medical"], "cap_per_spend": "100.00"}, format="json")
    assert r.status_code == 200 and r.json()["cap_per_spend"] == "100.00" and r.json()["cap_per_month"] is None
    r = api(xian).put(f"{BASE}/rules/610100/", {"categories": []}, format="json")
    assert r.status_code == 400
    assert api(xian).put(f"{BASE}/rules/341600/", {"categories": ["medical"]}, format="json").status_code == 403
    assert [x["region"] for x in api(xian).get(f"{BASE}/rules/").json()["results"]] == ["610100"]
    assert api(citizen_user(insured())).get(f"{BASE}/rules/").status_code == 403
