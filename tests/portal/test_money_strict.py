"""`portal.money.to_fen`, the one parser of money, is strict before any Decimal is made: ASCII digits, at
most 13 integer digits and 2 decimals, a minus only where allowed. Hostile strings are a 400 with a Chinese
message through the API, never a 500 (decimal.Overflow) nor a silently accepted full-width number."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal import money

HOSTILE = ["1e999999", "1E5", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "１００", "١٠٠", "100.５", "1_000",
           "0x10", " ", "1.", ".5", "--1", "+5", "1" * 14, "1" * 5000, "12345678901234.00"]


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_amounts_are_refused_with_a_chinese_message(bad):
    with pytest.raises(ValidationError) as exc:
        money.to_fen(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.messages[0])


@pytest.mark.parametrize("value, fen", [
    ("9999999999999.99", 999_999_999_999_999), ("0000000000000000001.50", 150), ("-0.00", 0),
    (Decimal("800.000"), 80000), (Decimal("1E+3"), 100000), (10**12, 10**14),
])
def test_the_largest_and_oddly_written_good_amounts_parse(value, fen):
    assert money.to_fen(value) == fen


def test_limits_and_signs():
    with pytest.raises(ValidationError) as exc:
        money.to_fen(Decimal("1E+999999"))
    assert exc.value.code == "money_too_large"
    with pytest.raises(ValidationError) as exc:
        money.to_fen(10**13)
    assert exc.value.code == "money_too_large"
    with pytest.raises(ValidationError) as exc:
        money.to_fen("-5")
    assert exc.value.code == "money_negative"
    assert money.to_fen("-5.5", allow_negative=True) == -550
    with pytest.raises(ValidationError) as exc:
        money.to_fen("1.234")
    assert exc.value.code == "money_precision"
    with pytest.raises(ValidationError):
        money.to_fen(Decimal("NaN"))


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1e999999", "NaN", "Infinity", "１００", "12345678901234"])
def test_api_answers_400_with_a_chinese_message(api, caseworker, amount):
    from tests.assistance import factories as f

    hh = f.household(caseworker, members=1, enrol=False)
    body = {"id_number": hh.head.id_number, "category": "dibao", "monthly_amount": amount, "start": "2025-01-01"}
    r = api(caseworker).post("/api/v1/assistance/enrolments/", body, format="json")
    assert r.status_code == 400, r.content[:300]
    message = r.json()["monthly_amount"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_form_and_serializer_money_fields_use_the_same_parser():
    from rest_framework.exceptions import ValidationError as DRFError

    from assistance.forms import MoneyFormField
    from portal.api.fields import MoneyField

    with pytest.raises(DRFError):
        MoneyField().to_internal_value("1e999999")
    with pytest.raises(ValidationError):
        MoneyFormField().clean("１００")
