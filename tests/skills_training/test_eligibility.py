"""Entry conditions: rows of data, evaluated by services.eligibility_check (per level and template)."""

from decimal import Decimal

import pytest

from skills_training.models import Diploma, EntryRule, Title
from skills_training.services import CandidateFacts, eligibility_check

from .factories import ASSESS, body

pytestmark = pytest.mark.django_db


def facts(years=0, age=30, certs=(), diploma=Diploma.NONE, title=Title.NONE, trained=()):
    return CandidateFacts(years_in_trade=Decimal(str(years)), age=age, cert_levels=frozenset(certs),
                          diploma=diploma, title=title, training_completed_levels=frozenset(trained))


ALLOWED = [
    # template, level, facts
    ("2019", 5, facts(years=1)),
    ("2019", 5, facts(years=0, trained={5})),
    ("2019", 4, facts(years=4, certs={5})),
    ("2019", 4, facts(years=6)),
    ("2019", 4, facts(diploma=Diploma.VOCATIONAL)),
    ("2019", 3, facts(years=5, certs={4})),
    ("2019", 3, facts(certs={4}, diploma=Diploma.HIGHER_VOCATIONAL)),
    ("2019", 2, facts(years=4, certs={3})),
    ("2019", 2, facts(years=3, certs={3}, diploma=Diploma.HIGHER_VOCATIONAL)),
    ("2019", 1, facts(years=4, certs={2})),
    ("2023", 5, facts(years=1, age=16)),
    ("2023", 5, facts(age=18, trained={5})),
    ("2023", 4, facts(years=3, certs={5})),
    ("2023", 4, facts(years=4)),
    ("2023", 4, facts(diploma=Diploma.BACHELOR)),  # a higher diploma satisfies a lower requirement
    ("2023", 3, facts(years=4, certs={4})),
    ("2023", 3, facts(years=4, certs={2})),  # a higher certificate satisfies a lower one
    ("2023", 3, facts(years=10)),
    ("2023", 2, facts(years=3, certs={3})),
    ("2023", 2, facts(years=3, title=Title.INTERMEDIATE)),
    ("2023", 1, facts(years=3, certs={2})),
    ("2023", 1, facts(years=5, title=Title.SENIOR)),
]

REFUSED = [
    ("2019", 5, facts(years="0.9"), "不足1"),
    ("2019", 4, facts(years=3, certs={5}), "不足4"),
    ("2019", 4, facts(years=5), "不足6"),
    ("2019", 3, facts(years=9), "未持有四级"),
    ("2019", 2, facts(years=3, certs={3}), "学历不符"),
    ("2019", 1, facts(years=10, title=Title.SENIOR), "未持有二级"),  # titles are a 2023 route only
    ("2023", 5, facts(years=3, age=15), "年龄未满16"),
    ("2023", 5, facts(years="0.5", age=20), "未完成本等级培训"),
    ("2023", 4, facts(years="3.9"), "不足4"),
    ("2023", 3, facts(years=3, certs={4}), "不足4"),
    ("2023", 3, facts(years="9.9"), "不足10"),
    ("2023", 2, facts(years=3, title=Title.ASSISTANT), "未取得中级职称"),
    ("2023", 1, facts(years=4, title=Title.SENIOR), "不足5"),
    ("2023", 1, facts(years=10, certs={3}), "未持有二级"),
]


@pytest.mark.parametrize(("template", "level", "candidate"), ALLOWED)
def test_allowed(template, level, candidate):
    ok, reasons = eligibility_check(candidate, level, template)
    assert ok, reasons
    assert len(reasons) == 1


@pytest.mark.parametrize(("template", "level", "candidate", "why"), REFUSED)
def test_refused_with_reason(template, level, candidate, why):
    ok, reasons = eligibility_check(candidate, level, template)
    assert not ok
    assert len(reasons) == EntryRule.objects.filter(template=template, level__number=level).count()
    assert any(why in r for r in reasons), reasons


def test_rules_are_data_an_admin_can_edit():
    candidate = facts(years=2)
    assert not eligibility_check(candidate, 4, "2023")[0]
    rule = EntryRule.objects.get(template="2023", level__number=4, position=2)
    rule.min_years = Decimal("2")
    rule.save()
    assert eligibility_check(candidate, 4, "2023")[0]


def test_weight_tables_sum_to_100():
    from skills_training.models import Level

    levels = Level.objects.all()
    assert levels.count() == 5
    for level in levels:
        assert sum(level.theory_weights.values()) == 100
        assert sum(level.skills_weights.values()) == 100
        level.full_clean()
    assert {lv.number for lv in levels if lv.requires_review} == {1, 2}


def test_api_refuses_ineligible_candidate_with_reason_and_saves_nothing(staff_api):
    from portal.models import Person
    from skills_training.models import Assessment

    response = staff_api.post(ASSESS, body(level=4, years_in_trade=2), format="json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "不符合四级/中级工申报条件" in detail and "不足4" in detail
    assert Assessment.objects.count() == 0
    assert Person.objects.count() == 0


def test_api_template_choice_matters(staff_api):
    """4.5 years, no certificate: enough for level 4 under 2023 (4 years), not under 2019 (6 years)."""
    refused = staff_api.post(ASSESS, body(level=4, years_in_trade="4.5", rule_template="2019"), format="json")
    assert refused.status_code == 400
    allowed = staff_api.post(ASSESS, body(level=4, years_in_trade="4.5", rule_template="2023"), format="json")
    assert allowed.status_code == 201, allowed.json()


def test_api_lower_certificate_counts(staff_api):
    first = staff_api.post(ASSESS, body(level=5, years_in_trade=1), format="json")
    assert first.status_code == 201 and first.json()["certificate"]
    second = staff_api.post(ASSESS, body(level=4, years_in_trade=3), format="json")
    assert second.status_code == 201, second.json()


def test_api_completed_training_counts(staff_api, trainer):
    import datetime as dt

    from skills_training.services import class_create, enrolment_create, enrolment_update

    from .factories import InstitutionFactory, candidate_id

    refused = staff_api.post(ASSESS, body(seq=7, years_in_trade=0), format="json")
    assert refused.status_code == 400
    klass = class_create(institution=InstitutionFactory(), name="五级班", level=5, starts_on=dt.date(2025, 1, 1),
                         ends_on=dt.date(2025, 2, 1), teacher="李老师", actor=trainer)
    enrolment = enrolment_create(training_class=klass, id_number=candidate_id(7), name="王建国", actor=trainer)
    enrolment_update(enrolment=enrolment, attendance=40, completed=True, actor=trainer)
    allowed = staff_api.post(ASSESS, body(seq=7, years_in_trade=0), format="json")
    assert allowed.status_code == 201, allowed.json()
