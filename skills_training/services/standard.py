"""The occupational standard as data: its levels and their entry conditions (rows of `EntryRule`).

`eligibility_check(facts, level, template)` only reads the rules; `candidate_facts(...)` gathers what they
look at. Nothing here writes.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Certificate, ClassEnrolment, Diploma, EntryRule, Level, Standard, Title
from .common import LEVEL_NAMES_ZH, age_on


def active_standard() -> Standard:
    standard = Standard.objects.filter(active=True).order_by("-issued", "id").first()
    if standard is None:
        raise ValidationError(_("尚未配置现行职业标准。"))
    return standard


def level_get(number) -> Level:
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise ValidationError({"level": [_("等级应为1到5的整数。")]}) from None
    level = Level.objects.filter(standard=active_standard(), number=number).select_related("standard").first()
    if level is None:
        raise ValidationError({"level": [_("等级应为1到5的整数。")]})
    return level


@dataclass(frozen=True)
class CandidateFacts:
    """What the entry conditions look at. `cert_levels`: levels of the valid certificates held."""

    years_in_trade: Decimal = Decimal("0")
    age: int | None = None
    cert_levels: frozenset = field(default_factory=frozenset)
    diploma: int = Diploma.NONE
    title: int = Title.NONE
    training_completed_levels: frozenset = field(default_factory=frozenset)


def _rule_failures(rule: EntryRule, facts: CandidateFacts, level: Level) -> list[str]:
    failures = []
    if rule.min_years is not None and facts.years_in_trade < rule.min_years:
        failures.append(_("从业年限%(have)s年，不足%(need)s年") % {"have": facts.years_in_trade, "need": rule.min_years})
    if rule.cert_level is not None and not any(held <= rule.cert_level for held in facts.cert_levels):
        failures.append(_("未持有%(name)s及以上证书") % {"name": LEVEL_NAMES_ZH.get(rule.cert_level, rule.cert_level)})
    if rule.min_diploma is not None and facts.diploma < rule.min_diploma:
        failures.append(_("学历不符（须%(d)s）") % {"d": Diploma(rule.min_diploma).label})
    if rule.min_age is not None and (facts.age is None or facts.age < rule.min_age):
        failures.append(_("年龄未满%(age)s周岁") % {"age": rule.min_age})
    if rule.min_title is not None and facts.title < rule.min_title:
        failures.append(_("未取得%(t)s") % {"t": Title(rule.min_title).label})
    if rule.training_completed and level.number not in facts.training_completed_levels:
        failures.append(_("未完成本等级培训"))
    return failures


def eligibility_check(facts: CandidateFacts, level: Level | int, template: str) -> tuple[bool, list[str]]:
    """Does a candidate meet ANY ONE of the level's entry conditions under `template`?

    The conditions are `EntryRule` rows (seeded from the national standard's pattern by migration
    0002, editable by admins): this function only reads them. Returns (True, [the condition met]) or
    (False, [one line per alternative saying why it is not met]).
    """
    if not isinstance(level, Level):
        level = level_get(level)
    rules = list(EntryRule.objects.filter(level=level, template=template).order_by("position", "id"))
    if not rules:
        return False, [_("%(level)s在%(tpl)s版申报条件下未配置申报条件。") % {"level": level.label, "tpl": template}]
    reasons = []
    for index, rule in enumerate(rules, start=1):
        failures = _rule_failures(rule, facts, level)
        if not failures:
            return True, [rule.description]
        reasons.append(f"{index}. {rule.description}：{'；'.join(failures)}")
    return False, reasons


def candidate_facts(*, person, years_in_trade, on: dt.date, diploma: int = 0, title: int = 0) -> CandidateFacts:
    certs = Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).values_list("level__number", flat=True)
    trained = ClassEnrolment.objects.filter(person=person, completed=True).values_list(
        "training_class__level__number", flat=True)
    return CandidateFacts(
        years_in_trade=Decimal(str(years_in_trade)),
        age=age_on(person.birth_date, on) if person.birth_date else None,
        cert_levels=frozenset(certs),
        diploma=int(diploma or 0),
        title=int(title or 0),
        training_completed_levels=frozenset(trained),
    )
