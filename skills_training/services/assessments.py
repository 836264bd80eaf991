"""Assessments: the scoring rules and recording a sitting's results.

Parts are out of 100, passed at 60; the practical score is the mean of an odd number (>= 3) of assessors;
levels 2 and 1 also need a panel review; a passed part carries over for two years. Passing issues the
certificate (`certificate_issue`).
"""

import datetime as dt
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import require
from portal.services import audit, person_get_or_create, person_name_matches

from ..audit_actions import AuditAction
from ..models import Assessment, AssessorScore, Sitting, TrainingInstitution
from .certificates import certificate_issue
from .common import (
    CARRY_OVER_YEARS,
    PASS_MARK,
    TRAINING_STAFF,
    TWO_PLACES,
    evaluation_region,
    parse_score,
    years_before,
)
from .standard import candidate_facts, eligibility_check, level_get


def practical_average(scores) -> Decimal:
    """Mean of an odd number (>= 3) of independent assessor scores, rounded half up to 2 places (83.666… is
    83.67, as a score sheet rounds it, not 83.66).

    The rounded mean is the score: it is what is stored, shown and compared with the pass mark (a mean of
    59.996 is 60.00 and passes), so what a candidate sees always agrees with the decision.
    """
    if not isinstance(scores, list | tuple) or len(scores) < 3 or len(scores) % 2 == 0:
        raise ValidationError({"practical_scores": [_("操作技能须由奇数名（至少3名）考评员独立评分。")]})
    parsed = [parse_score(s, "practical_scores") for s in scores]
    return (sum(parsed) / len(parsed)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _carry_over(candidate, level, on: dt.date, part: str):
    """The latest assessment of the same level whose `part` passed within the last two years."""
    return (
        Assessment.objects.filter(candidate=candidate, level=level, sat_on__lte=on,
                                  sat_on__gte=years_before(on, CARRY_OVER_YEARS), **{f"{part}_passed": True})
        .order_by("-sat_on", "-id")
        .first()
    )


@transaction.atomic
def assessment_record(*, candidate_id_number: str, candidate_name: str, level, years_in_trade,
                      theory_score=None, practical_scores=None, review_score=None, diploma: int = 0,
                      title: int = 0, rule_template: str | None = None, institution: TrainingInstitution | None = None,
                      region_code: str | None = None, site_code: str = "001", sat_on: dt.date | None = None,
                      assessors: list[str] | None = None, sitting: Sitting | None = None,
                      hold_certificate: bool = False, actor) -> Assessment:
    """Record one sitting; refuse (ValidationError, nothing saved) a candidate who may not sit the level.

    Omitting `theory_score` or `practical_scores` re-uses that part from a passed sitting of the same
    level within two years (a re-sit of the other part). Passing issues the certificate.
    """
    require(actor, roles=TRAINING_STAFF)
    level = level_get(level)
    if sitting is not None:
        sitting = Sitting.objects.select_for_update(of=("self",)).select_related("institution").get(pk=sitting.pk)
        institution, region_code = sitting.institution, sitting.region_id
    region_code = evaluation_region(actor, institution, region_code)
    if sitting is not None:
        if sitting.level_id != level.pk:
            raise ValidationError({"level": [_("申报等级与考试场次的等级不一致。")]})
        if sitting.assessments.count() >= sitting.capacity:
            raise ValidationError(_("本场次监考人员不足：理论考试每15名考生至少须有1名监考人员。"))
        if practical_scores and len(practical_scores) != len(sitting.assessors):
            raise ValidationError({"practical_scores": [
                _("本场次共有%(n)s名考评员，须录入每位考评员的评分。") % {"n": len(sitting.assessors)}]})
        sat_on, site_code, assessors = sitting.sat_on, sitting.site_code, list(sitting.assessors)
    sat_on = sat_on or timezone.localdate()
    template = rule_template or level.standard.default_template
    if template not in {"2019", "2023"}:
        raise ValidationError({"rule_template": [_("申报条件版本应为2019或2023。")]})
    try:
        years = Decimal(str(years_in_trade))
    except (InvalidOperation, ValueError):
        raise ValidationError({"years_in_trade": [_("从业年限必须是数字。")]}) from None
    if not years.is_finite() or years < 0 or years > 80:
        raise ValidationError({"years_in_trade": [_("从业年限应在0到80年之间。")]})
    years = years.quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    theory = parse_score(theory_score, "theory_score") if theory_score not in (None, "") else None
    practical = practical_average(practical_scores) if practical_scores else None
    review = None
    if level.requires_review:
        if review_score in (None, ""):
            raise ValidationError({"review_score": [_("二级/技师和一级/高级技师须进行综合评审，请填写评审成绩。")]})
        review = parse_score(review_score, "review_score")

    person = person_get_or_create(id_number=candidate_id_number, name=candidate_name)
    if not person_name_matches(person, candidate_name):
        raise ValidationError({"candidate_name": [_("姓名与身份证号码登记的姓名不一致。")]})

    facts = candidate_facts(person=person, years_in_trade=years, on=sat_on, diploma=diploma, title=title)
    ok, reasons = eligibility_check(facts, level, template)
    if not ok:
        raise ValidationError(
            _("不符合%(level)s申报条件（%(tpl)s版），须满足以下任一条件：%(reasons)s")
            % {"level": level.label, "tpl": template, "reasons": " ".join(reasons)},
            code="not_eligible",
        )

    theory_from = practical_from = None
    if theory is None:
        theory_from = _carry_over(person, level, sat_on, "theory")
        if theory_from is None:
            raise ValidationError({"theory_score": [_("请填写理论知识成绩（两年内无可沿用的合格理论成绩）。")]})
        theory = theory_from.theory_score
    if practical is None:
        practical_from = _carry_over(person, level, sat_on, "practical")
        if practical_from is None:
            raise ValidationError({"practical_scores": [_("请填写操作技能评分（两年内无可沿用的合格技能成绩）。")]})
        practical = practical_from.practical_score

    review_passed = (review >= PASS_MARK) if level.requires_review else None
    assessment = Assessment.objects.create(
        candidate=person, candidate_name=person.name, level=level, rule_template=template, region_id=region_code,
        institution=institution, site_code=(site_code or "001").zfill(3)[:3], years_in_trade=years,
        theory_score=theory, practical_score=practical, review_score=review,
        theory_passed=theory >= PASS_MARK, practical_passed=practical >= PASS_MARK, review_passed=review_passed,
        theory_carried_from=theory_from, practical_carried_from=practical_from, sat_on=sat_on, sitting=sitting,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    assessment.passed = assessment.theory_passed and assessment.practical_passed and review_passed is not False
    assessment.save(update_fields=["passed"])
    if practical_from is None:
        names = assessors or []
        AssessorScore.objects.bulk_create([
            AssessorScore(assessment=assessment, position=i, assessor=(names[i - 1] if i <= len(names) else ""),
                          score=parse_score(s, "practical_scores"))
            for i, s in enumerate(practical_scores, start=1)
        ])
    audit(actor=actor, action=AuditAction.ASSESSMENT_RECORD, obj=assessment, region_code=region_code,
          after={"level": level.number, "theory": str(theory), "practical": str(practical),
                 "review": str(review) if review is not None else None, "passed": assessment.passed})
    if assessment.passed and not hold_certificate:  # held: a sitting's results wait for their notice period
        certificate_issue(holder=person, level=level, region_code=region_code, evaluator=institution,
                          issued_on=sat_on, assessment=assessment, site_code=assessment.site_code, actor=actor)
    return assessment
