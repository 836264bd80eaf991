import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal import idnumber, money

GOOD = "11010519491231002X"  # the standard's own example


def test_standard_example_is_valid():
    assert idnumber.validate_id_number(GOOD) == GOOD
    assert idnumber.validate_id_number(GOOD.lower()) == GOOD
    assert idnumber.birth_date(GOOD) == dt.date(1949, 12, 31)
    assert idnumber.sex(GOOD) == "F"


@pytest.mark.parametrize(
    "value, code",
    [
        ("110105194912310021", "id_check"),  # wrong check digit
        ("11010519491231002", "id_shape"),  # 17 characters
        ("1101051949123100X2", "id_shape"),  # X not last
        ("000105194912310029", "id_region"),  # no province 00
        ("110105194902300020", "id_birth"),  # 30 February
        (idnumber.make("11010520991231002"), "id_birth"),  # in the future
    ],
)
def test_bad_numbers_are_refused_with_a_chinese_message(value, code):
    with pytest.raises(ValidationError) as exc:
        idnumber.validate_id_number(value)
    assert exc.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value.messages[0]))


def test_abolished_county_code_stays_valid():
    # 110103 (崇文区, merged into 东城区 in 2010) is not in today's list; old cards still carry it.
    number = idnumber.make("11010319700101001")
    assert idnumber.validate_id_number(number) == number


def test_mask_keeps_region_and_last_four():
    assert idnumber.mask("610102199001010015") == "610102********0015"
    assert idnumber.scrub("id=610102199001010015 ok") == "id=610102********0015 ok"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_any_seventeen_digits_with_their_check_char_pass_or_fail_only_on_region_or_date(first17):
    number = idnumber.make(first17)
    try:
        idnumber.validate_id_number(number)
    except ValidationError as exc:
        assert exc.code in {"id_region", "id_birth"}
    # changing the check character always breaks it
    wrong = first17 + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError):
        idnumber.validate_id_number(wrong)


@pytest.mark.parametrize(
    "given_value, fen",
    [("800.00", 80000), ("800", 80000), ("0.01", 1), (Decimal("1200.5"), 120050), (12, 1200), ("¥1,200.00", 120000)],
)
def test_money_parses_to_fen(given_value, fen):
    assert money.to_fen(given_value) == fen


@pytest.mark.parametrize("bad", ["abc", "1.001", "-5", 3.5, "NaN", "Infinity", "", True])
def test_money_refuses_junk_floats_and_negatives(bad):
    with pytest.raises(ValidationError):
        money.to_fen(bad)


@given(st.integers(min_value=0, max_value=money.MAX_FEN))
def test_money_round_trips(fen):
    assert money.to_fen(money.yuan_str(fen)) == fen


def test_money_display():
    assert money.yuan_display(120000) == "¥1,200.00"
    assert money.yuan_str(80000) == "800.00"


def test_log_filter_masks_ids_and_bank_accounts():
    import io
    import logging

    from portal.logging import MaskPIIFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPIIFilter())
    logger = logging.getLogger("pii-test")
    logger.addHandler(handler)
    try:
        logger.warning("paid %s to account %s", "610102199001010015", "6222020200112233445")
    finally:
        logger.removeHandler(handler)
    out = stream.getvalue()
    assert "610102199001010015" not in out and "6222020200112233445" not in out
    assert "610102********0015" in out and "***************3445" in out
