"""Properties of the scoring and numbering helpers (no database)."""

import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills_training.services import certificate_number, mask_name, practical_average

score = st.integers(min_value=0, max_value=10000).map(lambda n: Decimal(n) / 100)


@settings(suppress_health_check=[HealthCheck.too_slow])  # generation is slow on a loaded machine, not wrong
@given(st.integers(min_value=1, max_value=3).flatmap(lambda k: st.lists(score, min_size=2 * k + 1, max_size=2 * k + 1)))
def test_practical_score_is_the_mean_rounded_half_up(scores):
    mean = practical_average(scores)
    exact = sum(scores) / len(scores)
    assert abs(mean - exact) <= Decimal("0.005") and mean == mean.quantize(Decimal("0.01"))
    assert (mean >= 60) == (exact >= Decimal("59.995"))


@given(letter=st.sampled_from("SY"), evaluator=st.integers(0, 999999), province=st.integers(11, 82),
       site=st.integers(0, 999), year=st.integers(2000, 2099), level=st.integers(1, 5), serial=st.integers(1, 9999999))
def test_number_is_one_letter_and_21_digits(letter, evaluator, province, site, year, level, serial):
    number = certificate_number(type_letter=letter, evaluator_code=f"{evaluator:06d}", province=str(province),
                                site=str(site), year=year, level=level, serial=serial)
    assert re.fullmatch(r"[A-Z]\d{21}", number)
    assert int(number[-7:]) == serial and int(number[14]) == level


def test_mask_name():
    assert [mask_name(n) for n in ("王建国", "王芳", "欧阳小明", "王")] == ["王*国", "王*", "欧**明", "王"]
