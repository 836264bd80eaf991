"""Skills competitions: entries, judges' scores, awards, and promotion by the regional rules (data)."""

import datetime as dt
from decimal import ROUND_DOWN

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.services import audit, person_get_or_create, person_name_matches

from ..audit_actions import AuditAction
from ..models import (
    Award,
    Certificate,
    Competition,
    CompetitionEntry,
    JudgeScore,
    PromotionRule,
    TrainingInstitution,
)
from .certificates import certificate_issue
from .common import TWO_PLACES, parse_score, require_staff
from .standard import level_get


def _require_competition(actor, competition: Competition) -> None:
    require_staff(actor, competition.region_id, message=_("该赛事不在您的管辖范围内。"))


def _locked_entry(entry: CompetitionEntry, *related: str) -> CompetitionEntry:
    return CompetitionEntry.objects.select_for_update(of=("self",)).select_related("competition", *related).get(
        pk=entry.pk)


@transaction.atomic
def competition_create(*, name: str, edition: int, tier: str, region_code: str, held_on: dt.date,
                       organiser: TrainingInstitution | None = None, actor) -> Competition:
    require_staff(actor, region_code, message=_("该区域不在您的管辖范围内。"))
    competition = Competition.objects.create(name=name, edition=edition, tier=tier, region_id=region_code,
                                             held_on=held_on, organiser=organiser)
    audit(actor=actor, action=AuditAction.COMPETITION_CREATE, obj=competition, region_code=region_code,
          after={"name": name, "edition": edition, "tier": tier})
    return competition


@transaction.atomic
def entry_create(*, competition: Competition, id_number: str, name: str, dish_name: str, actor) -> CompetitionEntry:
    _require_competition(actor, competition)
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if CompetitionEntry.objects.filter(competition=competition, person=person).exists():
        raise ValidationError({"id_number": [_("该选手已报名本届赛事。")]})
    entry = CompetitionEntry.objects.create(competition=competition, person=person, dish_name=dish_name.strip())
    audit(actor=actor, action=AuditAction.ENTRY_CREATE, obj=entry, region_code=competition.region_id,
          after={"dish": entry.dish_name})
    return entry


@transaction.atomic
def entry_score(*, entry: CompetitionEntry, scores: dict, actor) -> CompetitionEntry:
    """Judges' independent scores {judge: score}; at least three; final = mean truncated to 2 places."""
    entry = _locked_entry(entry)
    _require_competition(actor, entry.competition)
    if len(scores) < 3:
        raise ValidationError({"scores": [_("每件作品至少须有3名评委评分。")]})
    parsed = {judge.strip(): parse_score(score, "scores") for judge, score in scores.items()}
    entry.judge_scores.all().delete()
    JudgeScore.objects.bulk_create([JudgeScore(entry=entry, judge=j, score=v) for j, v in parsed.items()])
    entry.final_score = (sum(parsed.values()) / len(parsed)).quantize(TWO_PLACES, rounding=ROUND_DOWN)
    entry.save(update_fields=["final_score"])
    audit(actor=actor, action=AuditAction.ENTRY_SCORE, obj=entry, region_code=entry.competition.region_id,
          after={"final_score": str(entry.final_score)})
    return entry


@transaction.atomic
def entry_award(*, entry: CompetitionEntry, award: str, actor) -> CompetitionEntry:
    entry = _locked_entry(entry)
    _require_competition(actor, entry.competition)
    if award not in Award.values:
        raise ValidationError({"award": [_("奖项无效。")]})
    if entry.final_score is None and award != Award.NONE:
        raise ValidationError({"award": [_("作品尚未评分，不能评奖。")]})
    before = {"award": entry.award}
    entry.award = award
    entry.save(update_fields=["award"])
    audit(actor=actor, action=AuditAction.ENTRY_AWARD, obj=entry, region_code=entry.competition.region_id,
          before=before, after={"award": award})
    return entry


def promotion_rule_for(competition: Competition, award: str) -> PromotionRule | None:
    """The most specific active rule for the competition's region (county, then city, then province)."""
    code = competition.region_id
    candidates = [code, code[:4] + "00", code[:2] + "0000"]
    rules = {r.region_id: r for r in PromotionRule.objects.filter(
        region_id__in=candidates, tier=competition.tier, award=award, active=True)}
    return next((rules[c] for c in candidates if c in rules), None)


@transaction.atomic
def promotion_apply(*, entry: CompetitionEntry, actor, issued_on: dt.date | None = None) -> Certificate:
    """Raise an award winner's level under the regional rule (data), at most once per calendar year,
    producing the certificate through `certificate_issue`."""
    entry = _locked_entry(entry, "person")
    competition = entry.competition
    _require_competition(actor, competition)
    if entry.certificate_id:
        raise ValidationError(_("该作品已据此晋升过等级。"))
    rule = promotion_rule_for(competition, entry.award)
    if rule is None:
        raise ValidationError(_("本地区的竞赛晋升规则未对该奖项规定晋升。"))
    issued_on = issued_on or timezone.localdate()
    person = entry.person
    # lock the person's row so two promotions of one person queue (the once-a-year rule holds under concurrency)
    type(person).objects.select_for_update().get(pk=person.pk)
    if Certificate.objects.filter(holder=person, source="competition", issued_on__year=issued_on.year).exists():
        raise ValidationError(_("同一人每年最多通过竞赛晋升一次等级。"))
    held = Certificate.objects.filter(holder=person, status=Certificate.Status.VALID).values_list(
        "level__number", flat=True)
    current = min(held, default=None)
    target = rule.grant_level if current is None else max(current - rule.levels_up, rule.highest_level)
    if current is not None and target >= current:
        raise ValidationError(_("已达到该规则可晋升的最高等级。"))
    level = level_get(target)
    certificate = certificate_issue(holder=person, level=level, region_code=competition.region_id,
                                    evaluator=competition.organiser, issued_on=issued_on, source="competition",
                                    actor=actor)
    entry.certificate = certificate
    entry.save(update_fields=["certificate"])
    audit(actor=actor, action=AuditAction.PROMOTION_APPLY, obj=entry, region_code=competition.region_id,
          after={"certificate": certificate.number, "level": target, "from": current})
    return certificate
